// Ingest: one source's window into bronze.
import { parseEvent, SourceEventSchema } from './events.js';
import { boundedSummary, recorded, summaryCounts } from './recorder.js';
import type { PipelineRuntime } from './runtime.js';
import type { SourceStepSummary } from './types.js';

export async function ingestStep(event: unknown, rt: PipelineRuntime): Promise<SourceStepSummary> {
  const e = parseEvent('Ingest', SourceEventSchema, event);
  return recorded(rt.journeys, e, { name: 'ingest', source: e.source }, async () => boundedSummary(await rt.ingest(e)), summaryCounts);
}
