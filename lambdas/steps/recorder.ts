// The one step recorder: runs a step and records it in its journey (seed 002's log_processamento entry)
// with the processing log's own builder, so that the journey, the log line and the metrics agree.
import { listedObjects, stepRecord, type StageName, type StepCounts } from '../core/processing-log.js';
import type { JourneyPort } from '../ports/state-stores.js';
import type { SourceStepSummary } from './types.js';

/**
 * Runs `work` for the journey's holder (the event's execution) and appends its step to the journey: SUCCEEDED (or the
 * status `statusOf` gives the result: WAITING for a partition handed to Glue) with the counts `countsOf` picks
 * from the result, or FAILED with the error. The lease is renewed first, so a stale holder (another execution
 * took the journey over) stops before it works. A failure to record a failure never hides the step's own
 * error, which the state machine retries or reports.
 */
export async function recorded<T>(
  journeys: JourneyPort,
  event: { runId: string; execution: string },
  step: { name: StageName; source: string },
  work: () => Promise<T>,
  countsOf: (result: T) => Omit<StepCounts, 'source'>,
  statusOf: (result: T) => 'SUCCEEDED' | 'WAITING' = () => 'SUCCEEDED',
): Promise<T> {
  const { runId, execution: owner } = event;
  await journeys.renew(runId, owner);
  const started = new Date();
  try {
    const result = await work();
    const counts = { ...countsOf(result), source: step.source, duration_ms: undefined };
    await journeys.recordStep(runId, owner, stepRecord(step.name, statusOf(result), counts, timing(started)));
    return result;
  } catch (err) {
    await journeys
      .recordStep(runId, owner, stepRecord(step.name, 'FAILED', { source: step.source }, timing(started), err))
      .catch(() => undefined);
    throw err;
  }
}

function timing(started: Date): { started_at: string; ended_at: string } {
  return { started_at: started.toISOString(), ended_at: new Date().toISOString() };
}

/** A source step's summary with at most MAX_OBJECTS_LISTED objects: it travels in the state machine's payload. */
export function boundedSummary(summary: SourceStepSummary): SourceStepSummary {
  return { ...summary, ...listedObjects(summary.objects) };
}

/** What the journey records of a source step. */
export function summaryCounts(s: SourceStepSummary): Omit<StepCounts, 'source'> {
  return {
    rows_read: s.rows_read,
    rows_written: s.rows_written,
    rows_invalid: s.rows_invalid,
    ...(s.drift ? { drift: s.drift } : {}),
    ...(s.quality ? { quality: s.quality } : {}),
    objects: s.objects,
    message: s.message,
  };
}
