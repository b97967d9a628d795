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
  /** The first objects written (at most MAX_OBJECTS_LISTED); `objects_total` counts them all. */
  objects?: string[];
  objects_total?: number;
  duration_ms?: number;
  message?: string;
}

/** One consolidated gold partition. */
export interface PartitionSummary {
  anomesdia: string;
  rows_read: number;
  rows_written: number;
  congregado_version?: number;
  location?: string;
}

export interface ConsolidationStepSummary {
  consolidation: string;
  partitions: PartitionSummary[];
  rows_read: number;
  rows_written: number;
}

/** Everything the steps use; built once per container (runtime.ts) or once per local run (local/). */
export interface PipelineRuntime {
  config: PipelineConfig;
  journeys: JourneyPort;
  watermarks: WatermarkStore;
  ingest(request: { runId: string; source: string; window: RunWindow }): Promise<SourceStepSummary>;
  refine(request: { runId: string; source: string; window: RunWindow; ingest: SourceStepSummary }): Promise<SourceStepSummary>;
  /** `attempt` (the execution) lets a retried call resume the Glue run an earlier call started. */
  consolidatePartition(request: { runId: string; database: string; tabela: string; anomesdia: string; window: RunWindow; attempt?: string }): Promise<PartitionSummary>;
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

/**
 * Objects named in a step summary. Summaries travel in the state machine's payload (256 KB for a whole
 * execution's state) and into the journey item (400 KB): a year's backfill writes thousands of objects,
 * which the bronze manifest and the catalog list anyway.
 */
export const MAX_OBJECTS_LISTED = 20;

function bounded(summary: SourceStepSummary): SourceStepSummary {
  const objects = summary.objects;
  if (objects === undefined || objects.length <= MAX_OBJECTS_LISTED) return summary;
  return { ...summary, objects: objects.slice(0, MAX_OBJECTS_LISTED), objects_total: objects.length };
}

export async function ingestStep(event: unknown, rt: PipelineRuntime): Promise<SourceStepSummary> {
  const e = parse('Ingest', SourceEventSchema, event);
  return recorded(rt, e.runId, { name: 'ingest', source: e.source, layer: 'bronze' }, async () => bounded(await rt.ingest(e)));
}

export async function refineStep(event: unknown, rt: PipelineRuntime): Promise<SourceStepSummary> {
  const e = parse('Refine', SourceEventSchema.extend({ ingest: SummarySchema }), event);
  return recorded(rt, e.runId, { name: 'refine', source: e.source, layer: 'silver' }, async () => bounded(await rt.refine({ ...e, ingest: e.ingest as SourceStepSummary })));
}

// ---------------------------------------------------------------- Consolidate

const GoldPartitionsEventSchema = z.object({
  step: z.literal('gold-partitions'),
  runId: z.string(),
  consolidation: z.string(),
  window: WindowSchema,
  sources: z.array(SourceResultSchema),
});

/** The partitions one consolidation rebuilds in this run; the state machine consolidates each in its own call. */
export interface GoldPartitions {
  consolidation: string;
  anomesdias: string[];
}

function declaredConsolidation(rt: PipelineRuntime, step: string, name: string) {
  const target = rt.config.consolidations.find((c) => `${c.database}.${c.tabela_consolidada}` === name);
  if (!target) throw new StepEventError(step, [{ code: 'custom', path: ['consolidation'], message: `"${name}" is not a declared consolidation`, input: name } as z.core.$ZodIssue]);
  return target;
}

/** Every partition that the run's origins wrote (late events included), or the window's days when they wrote none. */
export async function goldPartitionsStep(event: unknown, rt: PipelineRuntime): Promise<GoldPartitions> {
  const e = parse('Gold partitions', GoldPartitionsEventSchema, event);
  const target = declaredConsolidation(rt, 'Gold partitions', e.consolidation);
  const written = e.sources
    .filter((s) => target.origens.includes(s.source))
    .flatMap((s) => (s.refine.value as SourceStepSummary).anomesdias ?? []);
  return { consolidation: e.consolidation, anomesdias: [...new Set(written.length > 0 ? written : e.window.anomesdias)].sort() };
}

const ConsolidateEventSchema = z.object({
  runId: z.string(),
  consolidation: z.string(),
  anomesdia: z.string().regex(/^\d{8}$/, 'expected yyyymmdd'),
  window: WindowSchema,
  /** The Step Functions execution: a retry of the step resumes the Glue run this execution started. */
  execution: z.string().optional(),
});

/** Consolidates one gold partition; a partition may hold a whole day of every origin, so each gets its own call. */
export async function consolidateStep(event: unknown, rt: PipelineRuntime): Promise<PartitionSummary> {
  const e = parse('Consolidate', ConsolidateEventSchema, event);
  const target = declaredConsolidation(rt, 'Consolidate', e.consolidation);
  return recorded(
    rt,
    e.runId,
    { name: 'consolidate', source: e.consolidation, layer: 'gold' },
    async () => {
      const p = await rt.consolidatePartition({ runId: e.runId, database: target.database, tabela: target.tabela_consolidada, anomesdia: e.anomesdia, window: e.window, attempt: e.execution });
      // What travels on in the state machine: no location (the catalog has it), so that a year of partitions stays small.
      return { anomesdia: p.anomesdia, rows_read: p.rows_read, rows_written: p.rows_written, ...(p.congregado_version !== undefined ? { congregado_version: p.congregado_version } : {}) };
    },
    (p) => ({ rows_read: p.rows_read, rows_written: p.rows_written, message: `anomesdia ${p.anomesdia}` }),
  );
}

/** The Consolidate function's two calls: listing a consolidation's partitions, and consolidating one. */
export async function consolidateFunctionStep(event: unknown, rt: PipelineRuntime): Promise<GoldPartitions | PartitionSummary> {
  const listing = typeof event === 'object' && event !== null && (event as { step?: unknown }).step === 'gold-partitions';
  return listing ? goldPartitionsStep(event, rt) : consolidateStep(event, rt);
}

// ---------------------------------------------------------------- Complete

const CompleteEventSchema = z.object({
  runId: z.string(),
  execution: z.string().default('local'),
  sources: z.array(SourceResultSchema),
  /** Per consolidation, the summaries of the partitions it consolidated. */
  consolidations: z.array(z.object({ consolidation: z.string(), partitions: z.array(z.looseObject({ anomesdia: z.string(), rows_read: z.number(), rows_written: z.number() })) })),
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
    consolidations: e.consolidations.map((c) => ({
      consolidation: c.consolidation,
      partitions: c.partitions as PartitionSummary[],
      rows_read: c.partitions.reduce((n, p) => n + p.rows_read, 0),
      rows_written: c.partitions.reduce((n, p) => n + p.rows_written, 0),
    })),
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
    // A Glue run is recorded WAITING once, by the call that started it, not at every call that polls it.
    if (err instanceof GlueJobStillRunningError && err.resumed) throw err;
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
  return { rows_read: s.rows_read, rows_written: s.rows_written, rows_invalid: s.rows_invalid, objects: s.objects?.slice(0, MAX_OBJECTS_LISTED), message: s.message };
}
