// `npm start`: runs the whole pipeline on this machine and prints a summary a person can read.
import './quiet-warnings.js';
import './polyfills.js';
import type { ExecutionInput } from '../lambdas/core/plan.js';
import { parsePipelineConfig } from '../lambdas/core/config.js';
import { defaultPipelineConfig } from '../lambdas/core/default-config.js';
import { parseCommandLine } from './cli.js';
import { runLocal } from './local-run.js';
import { createLocalProgress } from './progress.js';
import { formatSummary } from './summary.js';

const USAGE = `Usage: npm start -- [--force] [--from YYYY-MM-DD [--to YYYY-MM-DD]] [--sources a,b] [--data-dir .local/]

Runs the pipeline locally (dynalite, a demo HTTP API, a file-system lake, DuckDB) through the state
machine that cdk synth produces. Without --from it runs the daily job of D-1.`;

async function main(): Promise<number> {
  const parsed = parseCommandLine(
    {
      options: {
        force: { type: 'boolean', default: false },
        from: { type: 'string' },
        to: { type: 'string' },
        sources: { type: 'string' },
        'data-dir': { type: 'string', default: '.local' },
        operations: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
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
  const input: ExecutionInput = values.from
    ? { mode: 'backfill', from: values.from, to: values.to, force: values.force }
    : { mode: 'daily', force: values.force };
  if (values.sources)
    input.sources = values.sources
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);

  const finished: Record<string, number> = { Refine: 0, Consolidate: 0, Complete: 0 };
  const config = parsePipelineConfig(defaultPipelineConfig);
  const sourceCount = input.sources?.length ?? config.sources.length;
  // Consolidate runs once per gold partition, known only once the sources are refined.
  const count = (state: string, n: number) =>
    state === 'Refine'
      ? `${n} of ${sourceCount}`
      : state === 'Consolidate'
        ? `${n} gold partition${n === 1 ? '' : 's'} so far`
        : `${n} of 1`;
  const report = await runLocal({
    dataDir: values['data-dir'],
    input,
    operations: values.operations ? Number(values.operations) : undefined,
    progress: createLocalProgress(),
    onEvent: (e) => {
      // Ingestion shows its own progress per source; the other tasks one line each as they end.
      if (e.type === 'StateExited' && e.state && ['Plan', 'Refine', 'Consolidate', 'Complete'].includes(e.state)) {
        process.stderr.write(`  ${e.state} done${e.state === 'Plan' ? '' : ` (${count(e.state, ++finished[e.state]!)})`}\n`);
      } else if (e.type === 'StateRetried') {
        process.stderr.write(`  ${e.state} retried after ${e.error ?? 'an error'}\n`);
      }
    },
  });
  console.log(
    formatSummary({
      outcome: report.outcome,
      runId: report.runId,
      window: report.journey?.params.window as { from: string; to: string; anomesdias: string[] } | undefined,
      result: report.result,
      steps: report.journey?.steps ?? [],
      congregados: report.congregados,
      sample: report.sample,
      error: report.error,
      durationMs: report.durationMs,
      dataDir: report.dataDir,
    }),
  );
  return report.outcome === 'failed' ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
    process.exit(1);
  },
);
