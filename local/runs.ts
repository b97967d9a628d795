// `npm run runs`: the recent journeys of a local data folder (the journey table dynalite keeps there), newest
// first, with status, window, rows, duration and error: what `aws stepfunctions list-executions` and the
// journey table tell in AWS (docs/operations.md).
import './quiet-warnings.js';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { paginateScan } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../lambdas/adapters/aws/dynamodb-client.js';
import type { PipelineConfig } from '../lambdas/core/config.js';
import type { JourneyRecord, StepRecord } from '../lambdas/ports/state-stores.js';
import { COMMON_OPTIONS, commandLineConfig, parseCommandLine } from './cli.js';
import { lockDataFolder } from './data-folder-lock.js';
import { startLocalDynamo } from './dynamo.js';
import { CommandLineError, NoLocalLakeError } from './errors.js';
import { seconds, table } from './summary.js';

/** One journey as `npm run runs` lists it. */
export interface RunListing {
  runId: string;
  job: string;
  status: string;
  window?: { from: string; to: string };
  started_at: string;
  /** From start to completion, or to the last update of one that has not completed. */
  durationMs: number;
  /** Records the ingest steps read from the sources, rows the refine steps wrote to silver and quarantined. */
  rows: { ingested: number; silver: number; invalid: number };
  error?: string;
}

/** The listing of one journey: rows summed over the last record of each step. */
export function runListing(journey: JourneyRecord): RunListing {
  const last = new Map<string, StepRecord>();
  for (const step of journey.steps ?? []) last.set(`${step.name} ${step.source ?? ''} ${step.message ?? ''}`, step);
  const sum = (name: string, key: 'rows_read' | 'rows_written' | 'rows_invalid') =>
    [...last.values()].filter((s) => s.name === name).reduce((n, s) => n + (s[key] ?? 0), 0);
  const window = journey.params?.window as { from?: string; to?: string } | undefined;
  const end = journey.completed_at ?? journey.updated_at;
  return {
    runId: journey.idempotency_key,
    job: journey.job_name,
    status: journey.status,
    window: window?.from && window.to ? { from: window.from, to: window.to } : undefined,
    started_at: journey.started_at,
    durationMs: Math.max(0, Date.parse(end) - Date.parse(journey.started_at)),
    rows: { ingested: sum('ingest', 'rows_read'), silver: sum('refine', 'rows_written'), invalid: sum('refine', 'rows_invalid') },
    error: journey.error,
  };
}

/**
 * The `limit` most recently started journeys under `dataDir`, newest first. It takes the data folder's lock
 * (dynalite's files have one reader at a time), so it waits for no run: a busy folder says which process has it.
 */
export async function listLocalRuns(dataDir: string, config: PipelineConfig, limit = 20): Promise<RunListing[]> {
  if (!existsSync(join(dataDir, 'dynamodb'))) throw new NoLocalLakeError(dataDir);
  const lock = await lockDataFolder(dataDir);
  try {
    const dynamo = await startLocalDynamo(config, join(dataDir, 'dynamodb'));
    try {
      const journeys: JourneyRecord[] = [];
      for await (const page of paginateScan({ client: documentClient(dynamo.client) }, { TableName: dynamo.tables.journey }))
        journeys.push(...((page.Items ?? []) as JourneyRecord[]));
      journeys.sort((a, b) => (a.started_at < b.started_at ? 1 : a.started_at > b.started_at ? -1 : 0));
      return journeys.slice(0, limit).map(runListing);
    } finally {
      await dynamo.stop();
    }
  } finally {
    await lock.release();
  }
}

/** The listing as a table a person reads. */
export function formatRuns(runs: RunListing[], dataDir: string): string {
  if (runs.length === 0) return `No runs in ${dataDir} yet.`;
  const num = (n: number) => n.toLocaleString('en-US');
  const rows = runs.map((r) => [
    r.runId.slice(0, 12),
    r.job,
    r.status,
    r.window ? `${r.window.from} .. ${r.window.to}` : '',
    r.started_at,
    seconds(r.durationMs),
    num(r.rows.ingested),
    num(r.rows.silver),
    num(r.rows.invalid),
    r.error ? (r.error.length > 80 ? `${r.error.slice(0, 80)}...` : r.error) : '',
  ]);
  return table(['run', 'job', 'status', 'window', 'started', 'duration', 'ingested', 'silver', 'invalid', 'error'], rows);
}

const USAGE = `Usage: npm run runs -- [--config my.json] [--data-dir .local] [--limit 20]

Lists the most recent local runs (journeys), newest first: status, window, rows, duration and error.`;

/** What `npm run runs` prints. */
export async function runsCommand(values: { config?: string; 'data-dir'?: string; limit?: string }): Promise<string> {
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new CommandLineError(`--limit ${values.limit} is not a positive whole number`);
  const dataDir = resolve(values['data-dir'] ?? '.local');
  return formatRuns(await listLocalRuns(dataDir, commandLineConfig(values.config), limit), dataDir);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const parsed = parseCommandLine(
    {
      options: {
        ...COMMON_OPTIONS,
        limit: { type: 'string' },
      },
      strict: true,
    },
    USAGE,
  );
  if (!parsed) process.exit(2);
  if (parsed.values.help) console.log(USAGE);
  else
    runsCommand(parsed.values).then(
      (text) => console.log(text),
      (err: unknown) => {
        console.error(err instanceof Error ? `${err.name}: ${err.message}${err instanceof CommandLineError ? `\n\n${USAGE}` : ''}` : err);
        process.exit(err instanceof CommandLineError ? 2 : 1);
      },
    );
}
