// Reads a pipeline config file (`-c config=path` for the CDK app, `--config path` for the local commands),
// or the default demo config.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parsePipelineConfig, type PipelineConfig } from '../lambdas/core/config.js';
import { defaultPipelineConfig } from '../lambdas/core/default-config.js';
import { PermanentError } from '../lambdas/core/errors.js';
import { compileExpectations, goldExpectations, sourceExpectations } from '../lambdas/core/quality/expectations.js';

/** The CDK context key naming the config file. */
export const CONFIG_CONTEXT_KEY = 'config';

/** How the CDK app is given a config file; the local commands say `--config path/to/config.json`. */
const CDK_CONFIG_OPTION = `-c ${CONFIG_CONTEXT_KEY}=path/to/config.json`;

/** A config file that cannot be read or is not JSON (a file that parses but is invalid throws PipelineConfigError). */
export class ConfigFileError extends PermanentError {
  constructor(
    readonly path: string,
    reason: string,
    option: string = CDK_CONFIG_OPTION,
  ) {
    super('ConfigFileError', `Cannot use pipeline config file ${path}: ${reason}. Pass an existing JSON file with ${option}`);
  }
}

/**
 * Reads and validates the config file at `path` (relative to `cwd`); `option` is how the user passes one, for
 * the message. Throws ConfigFileError or PipelineConfigError (every wrong field with its path).
 */
export function readPipelineConfigFile(path: string, cwd: string = process.cwd(), option: string = CDK_CONFIG_OPTION): PipelineConfig {
  const file = resolve(cwd, path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigFileError(
      file,
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a folder, not a file' : (err as Error).message,
      option,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigFileError(file, `not valid JSON (${(err as Error).message})`, option);
  }
  const config = parsePipelineConfig(raw, `pipeline config ${file}`);
  // An expectation's bound is read by its field's own coercion (a decimal's scale, a zone-less timestamp), which
  // the schema cannot import: compiled here, a bad one fails synth and npm start before anything runs.
  const zone = config.schedules.businessTimezone;
  for (const source of config.sources) compileExpectations(sourceExpectations(source), zone);
  for (const c of config.consolidations) compileExpectations(goldExpectations(config, c), zone);
  return config;
}

/** What the CDK app says when it synthesizes without `-c config=`. */
export const DEMO_SYNTH_NOTICE =
  `No pipeline config given: synthesizing the demo config with its hourly and daily schedules disabled, so a deploy ` +
  `never calls the demo's https://api.example.com. For your own pipeline pass ${CDK_CONFIG_OPTION} (see examples/).`;

/**
 * Loads and validates the pipeline config. `path` (relative to `cwd`) is a JSON file; absent, the demo
 * config with its schedules disabled: a deploy without a config creates the stacks but runs nothing on its
 * own (its sources call an API that does not exist). Throws ConfigFileError or PipelineConfigError.
 */
export function loadPipelineConfig(path: string | undefined, cwd: string = process.cwd()): PipelineConfig {
  if (path !== undefined && path !== '') return readPipelineConfigFile(path, cwd);
  const config = parsePipelineConfig(defaultPipelineConfig, 'default pipeline config');
  config.schedules.hourly.enabled = false;
  config.schedules.daily.enabled = false;
  return config;
}
