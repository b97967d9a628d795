// Command-line parsing shared by the local commands: node's parseArgs, with a wrong option answered by
// what is wrong and the usage instead of a stack trace.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parsePipelineConfig, type PipelineConfig } from '../lambdas/core/config.js';
import { defaultPipelineConfig } from '../lambdas/core/default-config.js';
import { readPipelineConfigFile } from '../lib/config-loader.js';

/** The options every local command that reads a data folder takes: --config, --data-dir and --help. */
export const COMMON_OPTIONS = {
  config: { type: 'string' },
  'data-dir': { type: 'string', default: '.local' },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

/** The parsed command line, or null after printing what is wrong with it and the usage (exit with 2). */
export function parseCommandLine<T extends ParseArgsConfig>(config: T, usage: string): ReturnType<typeof parseArgs<T>> | null {
  try {
    return parseArgs(config);
  } catch (err) {
    if (!(err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))) throw err;
    console.error(`${err.message}\n\n${usage}`);
    return null;
  }
}

/**
 * The config a local command runs on: the `--config` file (relative to the working directory), or the demo
 * config without one. Throws ConfigFileError (the path and why) or PipelineConfigError (each wrong field's path).
 */
export function commandLineConfig(path: string | undefined, cwd: string = process.cwd()): PipelineConfig {
  return path === undefined
    ? parsePipelineConfig(defaultPipelineConfig)
    : readPipelineConfigFile(path, cwd, '--config path/to/config.json');
}
