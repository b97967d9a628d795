// Refine: one source's partitions from bronze to typed, validated silver.
import { parseEvent, SourceEventSchema, SummarySchema } from './events.js';
import { boundedSummary, recorded, summaryCounts } from './recorder.js';
import type { PipelineRuntime } from './runtime.js';
import type { SourceStepSummary } from './types.js';

const RefineEventSchema = SourceEventSchema.extend({ ingest: SummarySchema });

export async function refineStep(event: unknown, rt: PipelineRuntime): Promise<SourceStepSummary> {
  const e = parseEvent('Refine', RefineEventSchema, event);
  return recorded(
    rt.journeys,
    e,
    { name: 'refine', source: e.source },
    async () => boundedSummary(await rt.refine({ ...e, ingest: e.ingest as SourceStepSummary })),
    summaryCounts,
  );
}
