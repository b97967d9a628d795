// Command-line parsing shared by the local commands: node's parseArgs, with a wrong option answered by
// what is wrong and the usage instead of a stack trace.
import { parseArgs, type ParseArgsConfig } from 'node:util';

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
