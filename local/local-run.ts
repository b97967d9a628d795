// One local run of the pipeline: lock the data folder, start the stand-ins, seed the demo sources, run the
// synthesized state machine, collect what a person (or a test) wants to see, and stop everything that was started.
import './quiet-warnings.js';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parsePipelineConfig, physicalName, type PipelineConfig, type PipelineConfigInput } from '../lambdas/core/config.js';
import { quoteIdentifier } from '../lambdas/core/consolidate/sql.js';
import { defaultPipelineConfig, DEMO_API_BASE } from '../lambdas/core/default-config.js';
import { addDays, businessDate, parseExecutionInput, type ExecutionInput } from '../lambdas/core/plan.js';
import type { IngestProgress } from '../lambdas/core/ingest/progress.js';
import { describeStepError, type FailureRecord } from '../lambdas/steps/fail.js';
import type { PlanOutput } from '../lambdas/steps/plan.js';
import type { RunResult } from '../lambdas/steps/complete.js';
import type { CongregadoRecord, JourneyRecord } from '../lambdas/ports/state-stores.js';
import { lockDataFolder } from './data-folder-lock.js';
import { demoDataset, type DemoDataset } from './demo-data.js';
import { startDemoApi } from './demo-api.js';
import { startLocalDynamo } from './dynamo.js';
import { localRuntime, type LocalRuntime } from './runtime.js';
import type { LocalEvent, runPipeline as RunPipeline } from './state-machine.js';

export interface LocalRunOptions {
  /** Folder holding the lake, the catalog and dynalite's data [.local]. */
  dataDir?: string;
  input?: ExecutionInput;
  /** The instant the run happens at [now]; the demo data is D-1 of it. */
  now?: Date;
  /** Operations per system in the demo data [600]. */
  operations?: number;
  config?: PipelineConfigInput;
  /**
   * Serve the demo API, drop the demo files and hand its token to the sources' secrets [true without
   * `config`, false with one]: a config of your own gets none of them, its tokens come from the environment.
   */
  demo?: boolean;
  /** Faults the demo API injects (a 429, a 500) [true]. */
  faults?: boolean;
  onEvent?: (event: LocalEvent) => void;
  /** Gold rows to sample into the report [8]. */
  sampleRows?: number;
  /** Live ingestion progress per source [none]. */
  progress?: IngestProgress;
  /** Builds the steps' runtime [localRuntime]; tests pass a stand-in. */
  runtime?: typeof localRuntime;
}

export interface LocalRunReport {
  outcome: 'completed' | 'already-completed' | 'failed';
  runId: string;
  plan?: PlanOutput;
  result?: RunResult;
  journey?: JourneyRecord;
  congregados: CongregadoRecord[];
  sample?: { table: string; rows: Record<string, unknown>[]; total?: number };
  error?: string;
  notifications: unknown[];
  /** What the run did to recover from an earlier one that died: a lock or a journey taken over, leftovers removed. */
  notices: string[];
  /** The demo data served and dropped; absent when the run is not the demo. */
  dataset?: DemoDataset;
  durationMs: number;
  dataDir: string;
  config: PipelineConfig;
}

/** The demo config with its HTTP endpoints pointed at the local demo API. */
export function localConfig(base: PipelineConfigInput, apiBase: string): PipelineConfig {
  const config = parsePipelineConfig(base);
  for (const source of config.sources) {
    if (source.http?.endpoint.startsWith(DEMO_API_BASE)) source.http.endpoint = apiBase + source.http.endpoint.slice(DEMO_API_BASE.length);
  }
  return config;
}

export async function runLocal(options: LocalRunOptions = {}): Promise<LocalRunReport> {
  const started = Date.now();
  const dataDir = resolve(options.dataDir ?? '.local');
  await mkdir(dataDir, { recursive: true });
  const now = options.now ?? new Date();
  const baseConfig = parsePipelineConfig(options.config ?? defaultPipelineConfig);
  const input: ExecutionInput = { mode: 'daily', ...options.input, now: options.input?.now ?? now.toISOString() };
  // A wrong input fails here, naming each wrong field, before any server starts (Plan checks it again).
  parseExecutionInput(baseConfig, input);
  // The demo sources serve the days the run asks for: D-1, or each day of a backfill.
  const demo = options.demo ?? options.config === undefined;
  const days =
    input.mode === 'backfill' || input.from
      ? daysOf(input.from!, input.to ?? input.from!)
      : [addDays(businessDate(now, baseConfig.schedules.businessTimezone), -1)];
  const dataset = demo
    ? mergeDatasets(
        days.map((day) => demoDataset({ day, timezone: baseConfig.schedules.businessTimezone, operations: options.operations })),
      )
    : undefined;

  // One run at a time per data folder, before dynalite opens its files there; released last.
  const lock = await lockDataFolder(dataDir);
  const notices = lock.tookOver ? [lock.tookOver] : [];
  const stops: (() => Promise<void>)[] = [lock.release];
  const notifications: unknown[] = [];
  try {
    const api = dataset ? await startDemoApi(baseConfig, dataset, { faults: options.faults ?? true }) : undefined;
    if (api) stops.push(api.stop);
    const config = api ? localConfig(options.config ?? defaultPipelineConfig, api.baseUrl) : baseConfig;
    const dynamo = await startLocalDynamo(config, join(dataDir, 'dynamodb'));
    stops.push(dynamo.stop);
    const runtime: LocalRuntime = await (options.runtime ?? localRuntime)({
      config,
      dataDir,
      dynamo,
      apiToken: api?.token,
      now: () => now,
      progress: options.progress,
      onNotice: (message) => notices.push(message),
    });
    stops.push(runtime.close);
    if (dataset) await runtime.dropFiles(dataset.files);

    // Loaded once the folder is ours: it brings the CDK, seconds to load, and a busy folder is told at once.
    const { runPipeline, synthesizePipeline } = await import('./state-machine.js');
    const pipeline = synthesizePipeline(config);
    const outcome = await runPipeline(pipeline, runtime, input as Parameters<typeof RunPipeline>[2], {
      onEvent: options.onEvent,
      onNotify: (message) => notifications.push(message),
    });
    const output = outcome.status === 'SUCCEEDED' ? (outcome.output as (PlanOutput & { status: 'completed' }) | RunResult) : undefined;
    // A failed execution's notification carries what the failure step recorded: the journey, when Plan began one.
    const failure = notifications.map((n) => (n as { journey?: { value?: FailureRecord } }).journey?.value).find((f) => f !== undefined);
    const runId = output?.runId ?? failure?.runId ?? '';
    const journey = runId ? await runtime.getJourney(runId) : undefined;
    const report: LocalRunReport = {
      outcome:
        outcome.status === 'FAILED' ? 'failed' : 'status' in output! && output.status === 'completed' ? 'already-completed' : 'completed',
      runId: runId || journey?.idempotency_key || '',
      result: output && !('status' in output) ? output : (journey?.result as RunResult | undefined),
      journey,
      congregados: await runtime.congregados(),
      error:
        outcome.status === 'FAILED' ? (failure?.error ?? describeStepError({ Error: outcome.error, Cause: outcome.cause })) : undefined,
      notifications,
      notices,
      dataset,
      durationMs: 0,
      dataDir,
      config,
    };
    // The first gold table in the catalog (one with an output_path has none), under its prefixed database.
    const gold = config.consolidations.find((c) => !c.output_path);
    if (gold && report.outcome !== 'failed') {
      const database = physicalName(config, gold.database);
      const name = `${database}.${gold.tabela_consolidada}`;
      // Every identifier quoted: the config's pattern allows names such as `order` that are SQL keywords.
      const q = (identifier: string) => quoteIdentifier(identifier, 'duckdb');
      const table = `${q(database)}.${q(gold.tabela_consolidada)}`;
      const rows = await runtime.query(
        `SELECT * FROM ${table} ORDER BY ${gold.chaves_principais.map(q).join(', ')} LIMIT ${options.sampleRows ?? 8}`,
      );
      const [count] = await runtime.query(`SELECT count(*) AS n FROM ${table}`);
      report.sample = { table: name, rows, total: Number(count?.n ?? rows.length) };
    }
    report.durationMs = Date.now() - started;
    return report;
  } finally {
    // Stop in reverse order of start, each even if another fails.
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => console.error('stopping a local server failed:', err));
  }
}

function daysOf(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

function mergeDatasets(sets: DemoDataset[]): DemoDataset {
  const [first, ...rest] = sets;
  const merged: DemoDataset = structuredClone(first!);
  for (const s of rest) {
    for (const k of Object.keys(merged.http) as (keyof DemoDataset['http'])[]) merged.http[k].push(...s.http[k]);
    Object.assign(merged.files, s.files);
    for (const [k, v] of Object.entries(s.invalid)) (merged.invalid[k] ??= []).push(...v);
  }
  return merged;
}
