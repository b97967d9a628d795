// The pipeline's steps as plain functions of (event, runtime): the Lambda handlers and the local runner
// both call these, so AWS and `npm start` run the same code behind the same state machine.
import { z } from 'zod';
import type { PipelineConfig } from '../core/config.js';
import { planRun, type PlannedSource } from '../core/plan.js';
import type { RunWindow } from '../core/window.js';
import { GlueJobStillRunningError } from '../ports/glue-runner.js';
import type { JourneyPort, StepRecord, WatermarkStore } from '../ports/state-stores.js';

export type { JourneyPort };

/** A source step's summary, small enough to travel in the state machine's payload (256 KB). */
export interface SourceStepSummary {
  source: string;
  rows_read: number;
  rows_written: number;
  rows_invalid?: number;
  /** The `anomesdia` partitions the step wrote. */
  anomesdias?: string[];
  /** Ingest: the watermark this source may advance to once the whole run completes. */
  watermark_candidate?: string;
  objects?: string[];
  duration_ms?: number;
  message?: string;
}

export interface ConsolidationStepSummary {
  consolidation: string;
  partitions: { anomesdia: string; rows_read: number; rows_written: number; congregado_version?: number; location?: string }[];
  rows_written: number;
  duration_ms?: number;
}

/** Everything the steps use; built once per container (runtime.ts) or once per local run (local/). */
export interface PipelineRuntime {
  config: PipelineConfig;
  journeys: JourneyPort;
  watermarks: WatermarkStore;
  ingest(request: { runId: string; source: string; window: RunWindow }): Promise<SourceStepSummary>;
  refine(request: { runId: string; source: string; window: RunWindow; ingest: SourceStepSummary }): Promise<SourceStepSummary>;
  /** `attempt` (the execution) lets a retried call resume the Glue run an earlier call started. */
  consolidatePartition(request: { runId: string; database: string; tabela: string; anomesdia: string; window: RunWindow; attempt?: string }): Promise<ConsolidationStepSummary['partitions'][number]>;
  now(): Date;
}

export class JourneyInProgressError extends Error {
  constructor(readonly runId: string, readonly owner?: string, readonly leaseExpiresAt?: string) {
    super(`Journey ${runId} is already running (owner ${owner ?? 'unknown'}, lease until ${leaseExpiresAt ?? 'unknown'}); wait for it, or start again after the lease expires`);
    this.name = 'JourneyInProgressError';
  }
}

/** A step event that does not have the shape the state machine sends. */
export class StepEventError extends Error {
  constructor(step: string, issues: z.core.$ZodIssue[]) {
    super(`Invalid ${step} event: ${issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    this.name = 'StepEventError';
  }
}

function parse<T extends z.ZodType>(step: string, schema: T, event: unknown): z.output<T> {
  const result = schema.safeParse(event);
  if (!result.success) throw new StepEventError(step, result.error.issues);
  return result.data;
}

const WindowSchema = z.object({ mode: z.enum(['hourly', 'daily', 'backfill']), from: z.string(), to: z.string(), anomesdias: z.array(z.string()) });
const SummarySchema = z.looseObject({ source: z.string(), rows_read: z.number(), rows_written: z.number() });
const SourceResultSchema = z.looseObject({
  source: z.string(),
  ingest: z.object({ value: SummarySchema }),
  refine: z.object({ value: SummarySchema }),
});

// ---------------------------------------------------------------- Plan

export const PlanEventSchema = z.object({ input: z.unknown(), execution: z.string().default('local') });

export interface PlanOutput {
  status: 'started' | 'completed';
  runId: string;
  window: RunWindow;
  sources: PlannedSource[];
  consolidations: string[];
  force: boolean;
  /** The stored result of a journey that already completed. */
  result?: unknown;
}

export async function planStep(event: unknown, rt: PipelineRuntime): Promise<PlanOutput> {
  const { input, execution } = parse('Plan', PlanEventSchema, event);
  const watermarks: Record<string, string | undefined> = {};
  await Promise.all(rt.config.sources.map(async (s) => (watermarks[s.name] = (await rt.watermarks.get(s.name))?.watermark)));
  const plan = planRun(rt.config, input, { now: rt.now(), watermarks });
  const outcome = await rt.journeys.begin(plan.runId, { ...plan.jobParams, window: plan.window }, { force: plan.force, owner: execution });
  if (outcome.kind === 'in_progress') throw new JourneyInProgressError(plan.runId, outcome.journey.owner, outcome.journey.lease_expires_at);
  const base = { runId: plan.runId, window: plan.window, sources: plan.sources, consolidations: plan.consolidations, force: plan.force };
  if (outcome.kind === 'completed') return { status: 'completed', ...base, result: outcome.journey.result };
  return { status: 'started', ...base };
}

// ---------------------------------------------------------------- Ingest and Refine

const SourceEventSchema = z.object({ runId: z.string(), source: z.string(), window: WindowSchema });

export async function ingestStep(event: unknown, rt: PipelineRuntime): Promise<SourceStepSummary> {
  const e = parse('Ingest', SourceEventSchema, event);
  return recorded(rt, e.runId, { name: 'ingest', source: e.source, layer: 'bronze' }, () => rt.ingest(e));
}

export async function refineStep(event: unknown, rt: PipelineRuntime): Promise<SourceStepSummary> {
  const e = parse('Refine', SourceEventSchema.extend({ ingest: SummarySchema }), event);
  return recorded(rt, e.runId, { name: 'refine', source: e.source, layer: 'silver' }, () => rt.refine({ ...e, ingest: e.ingest as SourceStepSummary }));
}

// ---------------------------------------------------------------- Consolidate

const ConsolidateEventSchema = z.object({
  runId: z.string(),
  consolidation: z.string(),
  window: WindowSchema,
  sources: z.array(SourceResultSchema),
  /** The Step Functions execution: a retry of the step resumes the Glue runs this execution started. */
  execution: z.string().optional(),
});

/** Consolidates every partition that the run's origins wrote (late events included), or the window's days. */
export async function consolidateStep(event: unknown, rt: PipelineRuntime): Promise<ConsolidationStepSummary> {
  const e = parse('Consolidate', ConsolidateEventSchema, event);
  const target = rt.config.consolidations.find((c) => `${c.database}.${c.tabela_consolidada}` === e.consolidation);
  if (!target) throw new StepEventError('Consolidate', [{ code: 'custom', path: ['consolidation'], message: `"${e.consolidation}" is not a declared consolidation`, input: e.consolidation } as z.core.$ZodIssue]);
  const written = e.sources
    .filter((s) => target.origens.includes(s.source))
    .flatMap((s) => (s.refine.value as SourceStepSummary).anomesdias ?? []);
  const anomesdias = [...new Set(written.length > 0 ? written : e.window.anomesdias)].sort();
  const started = Date.now();
  return recorded(rt, e.runId, { name: 'consolidate', source: e.consolidation, layer: 'gold' }, async () => {
    const partitions: ConsolidationStepSummary['partitions'] = [];
    // One partition at a time: each may hold a whole day of every origin in memory.
    for (const anomesdia of anomesdias) {
      partitions.push(await rt.consolidatePartition({ runId: e.runId, database: target.database, tabela: target.tabela_consolidada, anomesdia, window: e.window, attempt: e.execution }));
    }
    const summary: ConsolidationStepSummary = {
      consolidation: e.consolidation,
      partitions,
      rows_written: partitions.reduce((n, p) => n + p.rows_written, 0),
      duration_ms: Date.now() - started,
    };
    return summary;
  }, (s) => ({ rows_read: s.partitions.reduce((n, p) => n + p.rows_read, 0), rows_written: s.rows_written, objects: s.partitions.flatMap((p) => (p.location ? [p.location] : [])) }));
}

// ---------------------------------------------------------------- Complete

const CompleteEventSchema = z.object({
  runId: z.string(),
  execution: z.string().default('local'),
  sources: z.array(SourceResultSchema),
  consolidations: z.array(z.looseObject({ consolidation: z.string(), rows_written: z.number() })),
});

export interface RunResult {
  runId: string;
  execution: string;
  sources: { source: string; ingest: SourceStepSummary; refine: SourceStepSummary; watermark?: string }[];
  consolidations: ConsolidationStepSummary[];
  completed_at: string;
}

/** Marks the journey COMPLETED with its result, then advances each source's watermark: only now is the window safe. */
export async function completeStep(event: unknown, rt: PipelineRuntime): Promise<RunResult> {
  const e = parse('Complete', CompleteEventSchema, event);
  const result: RunResult = {
    runId: e.runId,
    execution: e.execution,
    sources: e.sources.map((s) => ({ source: s.source, ingest: s.ingest.value as SourceStepSummary, refine: s.refine.value as SourceStepSummary })),
    consolidations: e.consolidations as unknown as ConsolidationStepSummary[],
    completed_at: rt.now().toISOString(),
  };
  for (const s of result.sources) {
    const candidate = s.ingest.watermark_candidate;
    if (candidate) s.watermark = (await rt.watermarks.advance(s.source, candidate, e.runId)).current.watermark;
  }
  await rt.journeys.complete(e.runId, result);
  return result;
}

// ---------------------------------------------------------------- Fail

const FailEventSchema = z.object({
  execution: z.string().default('local'),
  state: z.looseObject({
    plan: z.object({ value: z.looseObject({ runId: z.string(), status: z.string() }) }).optional(),
    error: z.object({ Error: z.string(), Cause: z.unknown() }).optional(),
  }),
});

export interface FailureRecord {
  runId?: string;
  status: 'FAILED' | 'NOT_STARTED';
  error: string;
  message: string;
}

/**
 * Records a failed execution. The journey is marked FAILED only when this execution began it: a
 * failure in Plan (a wrong input, a journey held by another run) leaves every journey as it was.
 */
export async function failStep(event: unknown, rt: PipelineRuntime): Promise<FailureRecord> {
  const e = parse('Fail', FailEventSchema, event);
  const error = describeError(e.state.error);
  const plan = e.state.plan?.value;
  if (!plan || plan.status !== 'started') return { status: 'NOT_STARTED', error, message: `Execution ${e.execution} failed before any journey began: ${error}` };
  await rt.journeys.fail(plan.runId, error);
  return { runId: plan.runId, status: 'FAILED', error, message: `Journey ${plan.runId} (execution ${e.execution}) FAILED: ${error}` };
}

/** `Error: message`, reading Lambda's JSON Cause ({errorMessage, errorType}) when there is one. */
export function describeError(error: { Error: string; Cause: unknown } | undefined): string {
  if (!error) return 'unknown error';
  let message = typeof error.Cause === 'string' ? error.Cause : JSON.stringify(error.Cause);
  try {
    const cause = JSON.parse(message) as { errorMessage?: string };
    if (cause && typeof cause.errorMessage === 'string') message = cause.errorMessage;
  } catch {
    // A plain-text cause is already the message.
  }
  return `${error.Error}: ${message}`;
}

// ---------------------------------------------------------------- step records

/** Runs one step and records it in the journey (seed 002's log_processamento): rows, duration, status, error. */
async function recorded<T extends object>(
  rt: PipelineRuntime,
  runId: string,
  step: Pick<StepRecord, 'name' | 'source' | 'layer'>,
  work: () => Promise<T>,
  counts: (result: T) => Partial<StepRecord> = (r) => pickCounts(r as Partial<SourceStepSummary>),
): Promise<T> {
  const started = new Date();
  const base = { ...step, started_at: started.toISOString() };
  try {
    const result = await work();
    const ended = new Date();
    await rt.journeys.recordStep(runId, { ...base, status: 'SUCCEEDED', ended_at: ended.toISOString(), duration_ms: ended.getTime() - started.getTime(), ...counts(result) });
    return result;
  } catch (err) {
    const ended = new Date();
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    const status = err instanceof GlueJobStillRunningError ? 'WAITING' : 'FAILED';
    // Recording must not hide the step's own error, which the state machine retries or reports.
    await rt.journeys
      .recordStep(runId, { ...base, status, ended_at: ended.toISOString(), duration_ms: ended.getTime() - started.getTime(), error: message })
      .catch(() => undefined);
    throw err;
  }
}

function pickCounts(s: Partial<SourceStepSummary>): Partial<StepRecord> {
  return { rows_read: s.rows_read, rows_written: s.rows_written, rows_invalid: s.rows_invalid, objects: s.objects?.slice(0, 100), message: s.message };
}
