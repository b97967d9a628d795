// Complete: the journey COMPLETED with the run's result, then each source's watermark advanced: only now
// is the whole window safely in bronze and silver. The result is counts per source and per consolidation,
// never a list per partition or object: it is the execution's output and the journey's item, both bounded.
import { z } from 'zod';
import { ExecutionSchema, parseEvent, SourceResultSchema } from './events.js';
import type { PipelineRuntime } from './runtime.js';
import type { ConsolidationStepSummary, SourceStepSummary } from './types.js';
import { faultPoint } from '../core/faults.js';

const CompleteEventSchema = z.object({
  runId: z.string(),
  execution: ExecutionSchema,
  sources: z.array(SourceResultSchema),
  /** Per consolidation, its partitions counted ("Consolidation result"). */
  consolidations: z.array(
    z.object({
      consolidation: z.string(),
      partitions: z.number().int(),
      on_glue: z.number().int(),
      rows_read: z.number(),
      rows_written: z.number(),
      rows_invalid: z.number(),
      first_anomesdia: z.string().optional(),
      last_anomesdia: z.string().optional(),
      /** What "Gold tables" kept: each state table's rows, each aggregate's partitions. */
      gold_tables: z
        .object({
          tables: z.array(
            z.object({
              table: z.string(),
              kind: z.enum(['current', 'history']),
              rows: z.number(),
              changed: z.number().optional(),
              columns_added: z.array(z.string()).optional(),
            }),
          ),
          aggregates: z.array(z.object({ table: z.string(), partitions: z.number(), rows_written: z.number() })).optional(),
        })
        .optional(),
    }),
  ),
});

/** A source's counts, as the run's result keeps them. */
export interface SourceRunSummary {
  source: string;
  ingest: { rows_read: number; rows_written: number };
  refine: { rows_read: number; rows_written: number; rows_invalid: number; partitions: number };
  watermark?: string;
}

export interface RunResult {
  runId: string;
  execution: string;
  sources: SourceRunSummary[];
  consolidations: ConsolidationStepSummary[];
  completed_at: string;
}

export async function completeStep(event: unknown, rt: PipelineRuntime): Promise<RunResult> {
  const e = parseEvent('Complete', CompleteEventSchema, event);
  const result: RunResult = {
    runId: e.runId,
    execution: e.execution,
    sources: e.sources.map((s) => {
      const refine = s.refine.value as SourceStepSummary;
      return {
        source: s.source,
        ingest: { rows_read: s.ingest.value.rows_read, rows_written: s.ingest.value.rows_written },
        refine: {
          rows_read: refine.rows_read,
          rows_written: refine.rows_written,
          rows_invalid: refine.rows_invalid ?? 0,
          partitions: refine.anomesdias?.length ?? 0,
        },
      };
    }),
    consolidations: e.consolidations,
    completed_at: rt.now().toISOString(),
  };
  await faultPoint('complete:before-complete');
  for (const [i, s] of e.sources.entries()) {
    const candidate = (s.ingest.value as SourceStepSummary).watermark_candidate;
    if (candidate) result.sources[i]!.watermark = (await rt.watermarks.advance(s.source, candidate, e.runId)).current.watermark;
  }
  await rt.journeys.complete(e.runId, e.execution, result);
  return result;
}
