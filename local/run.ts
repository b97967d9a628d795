// `npm start`: runs the whole pipeline on this machine and prints a summary a person can read.
import './quiet-warnings.js';
import './polyfills.js';
import { resolve } from 'node:path';
import type { PipelineConfig } from '../lambdas/core/config.js';
import type { ExecutionInput } from '../lambdas/core/plan.js';
import { COMMON_OPTIONS, commandLineConfig, parseCommandLine } from './cli.js';
import { CommandLineError } from './errors.js';
import { createLocalProgress } from './progress.js';
import { formatSummary } from './summary.js';
import type { LocalRunOptions, LocalRunReport } from './local-run.js';

const USAGE = `Usage: npm start -- [--config my.json] [--force] [--from YYYY-MM-DD [--to YYYY-MM-DD]] [--sources a,b] [--data-dir .local/]

Runs the pipeline locally (dynalite, a file-system lake, DuckDB) through the state machine that cdk synth
produces. Without --config it runs the demo config on a demo HTTP API and demo files; with it, your config
on your APIs (tokens from the environment variables your sources' authSecretName name) and the files you
put under <data-dir>/lake/bronze/pending/<source>/. Without --from it runs the daily job of D-1; --to needs
--from. One run at a time per data folder: a second one says which process has it and exits with 1.`;

/** The execution input the command line asks for; --to alone would silently run D-1, so it is an error. */
export function commandLineInput(values: { force?: boolean; from?: string; to?: string; sources?: string }): ExecutionInput {
  if (values.to !== undefined && values.from === undefined)
    throw new CommandLineError(
      `--to ${values.to} needs --from: give the first day too (--from YYYY-MM-DD --to ${values.to}), or neither for D-1`,
    );
  const force = values.force ?? false;
  const input: ExecutionInput = values.from ? { mode: 'backfill', from: values.from, to: values.to, force } : { mode: 'daily', force };
  if (values.sources)
    input.sources = values.sources
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  return input;
}

/** The options of `npm start` (parseArgs' values). */
export interface StartValues {
  config?: string;
  force?: boolean;
  from?: string;
  to?: string;
  sources?: string;
  'data-dir'?: string;
  operations?: string;
}

/**
 * `npm start` after its command line is parsed: the run and its summary. Throws CommandLineError (a wrong
 * option), ConfigFileError or PipelineConfigError (a wrong --config) before anything starts.
 */
export async function startCommand(
  values: StartValues,
  /** Progress display for the run, given what it will run. */
  hooks: (config: PipelineConfig, input: ExecutionInput) => Pick<LocalRunOptions, 'progress' | 'onEvent'> = () => ({}),
): Promise<{ report: LocalRunReport; summary: string }> {
  const input = commandLineInput(values);
  const config = commandLineConfig(values.config);
  // Loaded only now: the runner brings the CDK (for the synthesized state machine), which takes seconds to
  // load, and a wrong command line should be told at once.
  const { runLocal } = await import('./local-run.js');
  const report = await runLocal({
    dataDir: values['data-dir'] ?? '.local',
    config: values.config === undefined ? undefined : config,
    input,
    operations: values.operations ? Number(values.operations) : undefined,
    ...hooks(config, input),
  });
  const summary = formatSummary({
    outcome: report.outcome,
    runId: report.runId,
    window: report.journey?.params.window as { from: string; to: string; anomesdias: string[] } | undefined,
    skipped: report.journey?.params.skipped as string[] | undefined,
    result: report.result,
    steps: report.journey?.steps ?? [],
    congregados: report.congregados,
    sample: report.sample,
    error: report.error,
    notices: report.notices,
    durationMs: report.durationMs,
    dataDir: report.dataDir,
    configPath: values.config,
  });
  return { report, summary };
}

async function main(): Promise<number> {
  const parsed = parseCommandLine(
    {
      options: {
        force: { type: 'boolean', default: false },
        from: { type: 'string' },
        to: { type: 'string' },
        sources: { type: 'string' },
        ...COMMON_OPTIONS,
        operations: { type: 'string' },
      },
      strict: true,
    },
    USAGE,
  );
  if (!parsed) return 2;
  const { values } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const finished: Record<string, number> = { Refine: 0, Consolidate: 0, Complete: 0 };
  // Consolidate runs once per gold partition, known only once the sources are refined.
  const count = (state: string, n: number, sources: number) =>
    state === 'Refine' ? `${n} of ${sources}` : state === 'Consolidate' ? `${n} gold partition${n === 1 ? '' : 's'} so far` : `${n} of 1`;
  try {
    const { report, summary } = await startCommand(values, (config, input) => ({
      progress: createLocalProgress(),
      onEvent: (e) => {
        // Ingestion shows its own progress per source; the other tasks one line each as they end.
        if (e.type === 'StateExited' && e.state && ['Plan', 'Refine', 'Consolidate', 'Complete'].includes(e.state)) {
          const sources = input.sources?.length ?? config.sources.length;
          process.stderr.write(`  ${e.state} done${e.state === 'Plan' ? '' : ` (${count(e.state, ++finished[e.state]!, sources)})`}\n`);
        } else if (e.type === 'StateRetried') {
          process.stderr.write(`  ${e.state} retried after ${e.error ?? 'an error'}\n`);
        }
      },
    }));
    console.log(summary);
    return report.outcome === 'failed' ? 1 : 0;
  } catch (err) {
    if (!(err instanceof CommandLineError)) throw err;
    console.error(`${err.name}: ${err.message}\n\n${USAGE}`);
    return 2;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      // The error's name and message only: each says what is wrong and what to do; a stack trace would bury it.
      console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
      process.exit(1);
    },
  );
}
