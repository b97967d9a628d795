// Complete: the journey COMPLETED with the run's result, then each source's watermark advanced: only now
// is the whole window safely in bronze and silver.
import { z } from 'zod';
import { ExecutionSchema, parseEvent, SourceResultSchema } from './events.js';
import type { PipelineRuntime } from './runtime.js';
import type { ConsolidationStepSummary, PartitionSummary, SourceStepSummary } from './types.js';
import { faultPoint } from '../core/faults.js';

const CompleteEventSchema = z.object({
  runId: z.string(),
  execution: ExecutionSchema,
  sources: z.array(SourceResultSchema),
  /** Per consolidation, the summaries of the partitions it consolidated. */
  consolidations: z.array(
    z.object({
      consolidation: z.string(),
      partitions: z.array(z.looseObject({ anomesdia: z.string(), rows_read: z.number(), rows_written: z.number() })),
    }),
  ),
});

export interface RunResult {
  runId: string;
  execution: string;
  sources: { source: string; ingest: SourceStepSummary; refine: SourceStepSummary; watermark?: string }[];
  consolidations: ConsolidationStepSummary[];
  completed_at: string;
}

export async function completeStep(event: unknown, rt: PipelineRuntime): Promise<RunResult> {
  const e = parseEvent('Complete', CompleteEventSchema, event);
  const result: RunResult = {
    runId: e.runId,
    execution: e.execution,
    sources: e.sources.map((s) => ({
      source: s.source,
      ingest: s.ingest.value as SourceStepSummary,
      refine: s.refine.value as SourceStepSummary,
    })),
    consolidations: e.consolidations.map((c) => ({
      consolidation: c.consolidation,
      partitions: c.partitions as PartitionSummary[],
      rows_read: c.partitions.reduce((n, p) => n + p.rows_read, 0),
      rows_written: c.partitions.reduce((n, p) => n + p.rows_written, 0),
    })),
    completed_at: rt.now().toISOString(),
  };
  await faultPoint('complete:before-complete');
  for (const s of result.sources) {
    const candidate = s.ingest.watermark_candidate;
    if (candidate) s.watermark = (await rt.watermarks.advance(s.source, candidate, e.runId)).current.watermark;
  }
  await rt.journeys.complete(e.runId, e.execution, result);
  return result;
}
