// Consolidate: lists the gold partitions a consolidation rebuilds in this run ("Gold partitions"), consolidates
// one of them or hands it to Glue ("Consolidate"), publishes what a Glue run wrote ("Publish Glue output"), and
// counts a consolidation's partitions once they are done ("Consolidation result"); the state machine gives each
// partition its own calls and waits on a Glue run itself (glue:startJobRun.sync), with no Lambda running.
import { z } from 'zod';
import type { ConsolidationConfig } from '../core/config.js';
import { ExecutionSchema, parseEvent, SourceResultSchema, WindowSchema } from './events.js';
import { StepEventError } from './errors.js';
import { recorded } from './recorder.js';
import type { PipelineRuntime } from './runtime.js';
import type { StepCounts } from '../core/processing-log.js';
import type {
  ConsolidationStepSummary,
  GoldTablesSummary,
  PartitionOutcome,
  PartitionRequest,
  PartitionSummary,
  SourceStepSummary,
} from './types.js';

const GoldPartitionsEventSchema = z.object({
  step: z.literal('gold-partitions'),
  runId: z.string(),
  consolidation: z.string(),
  window: WindowSchema,
  sources: z.array(SourceResultSchema),
});

/** The partitions one consolidation rebuilds in this run: the next state of its iteration, without the sources. */
export interface GoldPartitions {
  runId: string;
  consolidation: string;
  anomesdias: string[];
}

export function declaredConsolidation(rt: PipelineRuntime, step: string, name: string): ConsolidationConfig {
  const target = rt.config.consolidations.find((c) => `${c.database}.${c.tabela_consolidada}` === name);
  if (!target) throw new StepEventError(step, [{ path: ['consolidation'], message: `"${name}" is not a declared consolidation` }]);
  return target;
}

/** Every partition that the run's origins wrote (late events included), or the window's days when they wrote none. */
async function goldPartitionsStep(event: unknown, rt: PipelineRuntime): Promise<GoldPartitions> {
  const e = parseEvent('Gold partitions', GoldPartitionsEventSchema, event);
  const target = declaredConsolidation(rt, 'Gold partitions', e.consolidation);
  const written = e.sources
    .filter((s) => target.origens.includes(s.source))
    .flatMap((s) => (s.refine.value as SourceStepSummary).anomesdias ?? []);
  return {
    runId: e.runId,
    consolidation: e.consolidation,
    anomesdias: [...new Set(written.length > 0 ? written : e.window.anomesdias)].sort(),
  };
}

const PartitionEventSchema = z.object({
  runId: z.string(),
  /** The Step Functions execution, the journey's holder; a Glue run's handoff and publication share its version folder. */
  execution: ExecutionSchema,
  consolidation: z.string(),
  anomesdia: z.string().regex(/^\d{8}$/, 'expected yyyymmdd'),
});

/** One partition's call to the runtime, recorded in the journey as its table's consolidate step. */
function recordedPartition<T>(
  rt: PipelineRuntime,
  step: string,
  e: z.output<typeof PartitionEventSchema>,
  phase: PartitionRequest['phase'],
  travel: (p: PartitionOutcome) => T | Promise<T>,
  countsOf: (result: T, outcome: PartitionOutcome) => Omit<StepCounts, 'source'>,
  statusOf?: (result: T) => 'SUCCEEDED' | 'WAITING',
  handoff?: PartitionRequest['handoff'],
): Promise<T> {
  const target = declaredConsolidation(rt, step, e.consolidation);
  const request = {
    runId: e.runId,
    database: target.database,
    tabela: target.tabela_consolidada,
    anomesdia: e.anomesdia,
    phase,
    attempt: e.execution,
    ...(handoff ? { handoff } : {}),
  };
  // The journey records the whole outcome (the expectations' summary too); only what `travel` keeps goes on.
  const recordedStep = recorded(
    rt.journeys,
    e,
    { name: 'consolidate', source: e.consolidation },
    async () => {
      const outcome = await rt.consolidatePartition(request);
      return { outcome, travelled: await travel(outcome) };
    },
    (r) => countsOf(r.travelled, r.outcome),
    statusOf && ((r) => statusOf(r.travelled)),
  );
  return recordedStep.then((r) => r.travelled);
}

/**
 * Consolidates one gold partition, or hands it to Glue (`glue` in the result: the journey records the step
 * WAITING); a partition may hold a whole day of every origin, so each gets its own call.
 */
export async function consolidateStep(event: unknown, rt: PipelineRuntime): Promise<PartitionOutcome> {
  const e = parseEvent('Consolidate', PartitionEventSchema, event);
  return recordedPartition(
    rt,
    'Consolidate',
    e,
    undefined,
    async (p): Promise<PartitionOutcome> => {
      if (!('glue' in p)) return travelling(p);
      // From here until "Publish Glue output" no Lambda runs for this partition, so none renews the journey's
      // lease while the Glue run goes on: it is renewed now for as long as the run and its publication may take.
      const { glueJobTimeoutMinutes, lambdaTimeoutSeconds, journeyLeaseSeconds } = rt.config.limits;
      await rt.journeys.renew(e.runId, e.execution, (glueJobTimeoutMinutes * 60 + lambdaTimeoutSeconds + journeyLeaseSeconds) * 1000);
      return {
        anomesdia: p.anomesdia,
        glue: { spec_uri: p.glue.spec_uri },
        inputs: p.inputs,
        ...(p.expected_rows !== undefined ? { expected_rows: p.expected_rows } : {}),
      };
    },
    (p, outcome) =>
      'glue' in p ? { message: `anomesdia ${p.anomesdia} handed to Glue (spec ${p.glue.spec_uri})` } : partitionCounts(p, outcome),
    (p) => ('glue' in p ? 'WAITING' : 'SUCCEEDED'),
  );
}

const GlueOutputEventSchema = PartitionEventSchema.extend({
  step: z.literal('glue-output'),
  /** The Glue run that wrote the output (the Glue task's result), for the journey. */
  jobRunId: z.string().optional(),
  /** The Consolidate call's handoff: the silver versions the run was asked to consolidate, and their rows. */
  handoff: z.looseObject({ inputs: z.record(z.string(), z.number()), expected_rows: z.number().optional() }).optional(),
});

/** After the Glue run succeeded: reads its output back (sample, content hash, row count) and publishes the partition. */
async function glueOutputStep(event: unknown, rt: PipelineRuntime): Promise<PartitionSummary> {
  const e = parseEvent('Publish Glue output', GlueOutputEventSchema, event);
  return recordedPartition(
    rt,
    'Publish Glue output',
    e,
    'glue-output',
    (p) => {
      if ('glue' in p) throw new StepEventError('Publish Glue output', [{ path: ['anomesdia'], message: 'was handed to Glue again' }]);
      return travelling(p);
    },
    (p, outcome) => ({
      ...partitionCounts(p, outcome),
      message: `anomesdia ${p.anomesdia} (glue${e.jobRunId ? ` run ${e.jobRunId}` : ''})`,
    }),
    undefined,
    e.handoff && { inputs: e.handoff.inputs, ...(e.handoff.expected_rows !== undefined ? { expected_rows: e.handoff.expected_rows } : {}) },
  );
}

/** What travels on in the state machine: no location (the catalog has it), so that a thousand partitions stay small. */
function travelling(p: PartitionSummary): PartitionSummary {
  return {
    anomesdia: p.anomesdia,
    rows_read: p.rows_read,
    rows_written: p.rows_written,
    rows_invalid: p.rows_invalid ?? 0,
    ...(p.engine ? { engine: p.engine } : {}),
    ...(p.congregado_version !== undefined ? { congregado_version: p.congregado_version } : {}),
  };
}

/** A partition's journey step: its counts, and the consolidation's expectations on it when it has any. */
function partitionCounts(p: PartitionSummary, outcome: PartitionOutcome) {
  const quality = 'quality' in outcome ? outcome.quality : undefined;
  return {
    rows_read: p.rows_read,
    rows_written: p.rows_written,
    rows_invalid: p.rows_invalid,
    ...(quality ? { quality } : {}),
    message: `anomesdia ${p.anomesdia}`,
  };
}

const ConsolidationResultEventSchema = z.object({
  step: z.literal('consolidation-result'),
  consolidation: z.string(),
  partitions: z.array(
    z.looseObject({
      anomesdia: z.string(),
      rows_read: z.number(),
      rows_written: z.number(),
      rows_invalid: z.number().optional(),
      engine: z.string().optional(),
    }),
  ),
  /** What "Gold tables" kept from the partitions. */
  goldTables: z.looseObject({ tables: z.array(z.looseObject({})) }).optional(),
});

/** A consolidation's partitions counted: only the totals travel on to Complete. */
function consolidationResultStep(event: unknown): ConsolidationStepSummary {
  const e = parseEvent('Consolidation result', ConsolidationResultEventSchema, event);
  const days = e.partitions.map((p) => p.anomesdia).sort();
  // Checked loosely above: it is the Gold tables step's own output, passed through.
  const gold = e.goldTables as unknown as GoldTablesSummary | undefined;
  return {
    consolidation: e.consolidation,
    partitions: e.partitions.length,
    on_glue: e.partitions.filter((p) => p.engine === 'glue').length,
    rows_read: e.partitions.reduce((n, p) => n + p.rows_read, 0),
    rows_written: e.partitions.reduce((n, p) => n + p.rows_written, 0),
    rows_invalid: e.partitions.reduce((n, p) => n + (p.rows_invalid ?? 0), 0),
    ...(days.length > 0 ? { first_anomesdia: days[0], last_anomesdia: days.at(-1) } : {}),
    ...(gold && (gold.tables.length > 0 || gold.aggregates?.length) ? { gold_tables: gold } : {}),
  };
}

/** The Consolidate function's calls, by the event's `step` [consolidate one partition]. */
export async function consolidateFunctionStep(
  event: unknown,
  rt: PipelineRuntime,
): Promise<GoldPartitions | PartitionOutcome | ConsolidationStepSummary> {
  const step = typeof event === 'object' && event !== null ? (event as { step?: unknown }).step : undefined;
  if (step === 'gold-partitions') return goldPartitionsStep(event, rt);
  if (step === 'glue-output') return glueOutputStep(event, rt);
  if (step === 'consolidation-result') return consolidationResultStep(event);
  return consolidateStep(event, rt);
}
