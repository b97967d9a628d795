// Reads the pipeline config the CDK app synthesizes: `-c config=path/to/config.json`, or the default config.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parsePipelineConfig, type PipelineConfig } from '../lambdas/core/config.js';
import { defaultPipelineConfig } from '../lambdas/core/default-config.js';
import { PermanentError } from '../lambdas/core/errors.js';

/** The CDK context key naming the config file. */
export const CONFIG_CONTEXT_KEY = 'config';

/** A config file that cannot be read or is not JSON (a file that parses but is invalid throws PipelineConfigError). */
export class ConfigFileError extends PermanentError {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(
      'ConfigFileError',
      `Cannot use pipeline config file ${path}: ${reason}. Pass an existing JSON file with -c ${CONFIG_CONTEXT_KEY}=path/to/config.json, or omit it for the default config`,
    );
  }
}

/**
 * Loads and validates the pipeline config. `path` (relative to `cwd`) is a JSON file; absent, the
 * default demo config. Throws ConfigFileError or PipelineConfigError (every wrong field with its path).
 */
export function loadPipelineConfig(path: string | undefined, cwd: string = process.cwd()): PipelineConfig {
  if (path === undefined || path === '') return parsePipelineConfig(defaultPipelineConfig, 'default pipeline config');
  const file = resolve(cwd, path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigFileError(file, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigFileError(file, `not valid JSON (${(err as Error).message})`);
  }
  return parsePipelineConfig(raw, `pipeline config ${path}`);
}
