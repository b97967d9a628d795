// Consolidate: lists the gold partitions a consolidation rebuilds in this run ("Gold partitions"), or
// consolidates one of them; the state machine gives each partition its own call.
import { z } from 'zod';
import type { ConsolidationConfig } from '../core/config.js';
import { ExecutionSchema, parseEvent, SourceResultSchema, WindowSchema } from './events.js';
import { StepEventError } from './errors.js';
import { recorded } from './recorder.js';
import type { PipelineRuntime } from './runtime.js';
import type { PartitionSummary, SourceStepSummary, StepContext } from './types.js';

const GoldPartitionsEventSchema = z.object({
  step: z.literal('gold-partitions'),
  runId: z.string(),
  consolidation: z.string(),
  window: WindowSchema,
  sources: z.array(SourceResultSchema),
});

/** The partitions one consolidation rebuilds in this run. */
export interface GoldPartitions {
  consolidation: string;
  anomesdias: string[];
}

function declaredConsolidation(rt: PipelineRuntime, step: string, name: string): ConsolidationConfig {
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
  return { consolidation: e.consolidation, anomesdias: [...new Set(written.length > 0 ? written : e.window.anomesdias)].sort() };
}

const ConsolidateEventSchema = z.object({
  runId: z.string(),
  consolidation: z.string(),
  anomesdia: z.string().regex(/^\d{8}$/, 'expected yyyymmdd'),
  window: WindowSchema,
  /** The Step Functions execution, the journey's holder: a retry of the step resumes the Glue run this execution started. */
  execution: ExecutionSchema,
});

/** Consolidates one gold partition; a partition may hold a whole day of every origin, so each gets its own call. */
export async function consolidateStep(event: unknown, rt: PipelineRuntime, context?: StepContext): Promise<PartitionSummary> {
  const e = parseEvent('Consolidate', ConsolidateEventSchema, event);
  const target = declaredConsolidation(rt, 'Consolidate', e.consolidation);
  return recorded(
    rt.journeys,
    { runId: e.runId, owner: e.execution },
    { name: 'consolidate', source: e.consolidation },
    async () => {
      const p = await rt.consolidatePartition({
        runId: e.runId,
        database: target.database,
        tabela: target.tabela_consolidada,
        anomesdia: e.anomesdia,
        window: e.window,
        attempt: e.execution,
        remainingTimeMs: context ? () => context.getRemainingTimeInMillis() : undefined,
      });
      // What travels on in the state machine: no location (the catalog has it), so that a year of partitions stays small.
      return {
        anomesdia: p.anomesdia,
        rows_read: p.rows_read,
        rows_written: p.rows_written,
        ...(p.congregado_version !== undefined ? { congregado_version: p.congregado_version } : {}),
      };
    },
    (p) => ({ rows_read: p.rows_read, rows_written: p.rows_written, message: `anomesdia ${p.anomesdia}` }),
  );
}

/** The Consolidate function's two calls: listing a consolidation's partitions, and consolidating one. */
export async function consolidateFunctionStep(
  event: unknown,
  rt: PipelineRuntime,
  context?: StepContext,
): Promise<GoldPartitions | PartitionSummary> {
  const listing = typeof event === 'object' && event !== null && (event as { step?: unknown }).step === 'gold-partitions';
  return listing ? goldPartitionsStep(event, rt) : consolidateStep(event, rt, context);
}
