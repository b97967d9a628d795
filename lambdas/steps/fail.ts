// Fail: records a failed execution in its journey, so that the next run (or a rerun) may begin it again.
import { z } from 'zod';
import { PERMANENT_ERROR } from '../core/errors.js';
import { ExecutionSchema, parseEvent } from './events.js';
import type { PipelineRuntime } from './runtime.js';

const FailEventSchema = z.object({
  execution: ExecutionSchema,
  state: z.looseObject({
    plan: z.object({ value: z.looseObject({ runId: z.string(), status: z.string() }) }).optional(),
    error: z.object({ Error: z.string(), Cause: z.unknown() }).optional(),
  }),
});

export interface FailureRecord {
  runId?: string;
  /** NOT_HELD: this execution no longer held the journey (another took it over, or it completed): nothing changed. */
  status: 'FAILED' | 'NOT_STARTED' | 'NOT_HELD';
  error: string;
  message: string;
}

/**
 * The journey is marked FAILED only when this execution began it: a failure in Plan (a wrong input, a
 * journey held by another run) leaves every journey as it was.
 */
export async function failStep(event: unknown, rt: PipelineRuntime): Promise<FailureRecord> {
  const e = parseEvent('Fail', FailEventSchema, event);
  const error = describeStepError(e.state.error);
  const plan = e.state.plan?.value;
  if (!plan || plan.status !== 'started')
    return { status: 'NOT_STARTED', error, message: `Execution ${e.execution} failed before any journey began: ${error}` };
  const { changed } = await rt.journeys.fail(plan.runId, e.execution, error);
  if (!changed) {
    const message = `Execution ${e.execution} failed (${error}); journey ${plan.runId} is complete or held by another execution, and was left as it is`;
    return { runId: plan.runId, status: 'NOT_HELD', error, message };
  }
  return { runId: plan.runId, status: 'FAILED', error, message: `Journey ${plan.runId} (execution ${e.execution}) FAILED: ${error}` };
}

/**
 * `Error: message` of a caught Step Functions error, reading Lambda's JSON Cause ({errorMessage, errorType})
 * when there is one. A PermanentError's message already starts with the original error's name.
 */
export function describeStepError(error: { Error: string; Cause: unknown } | undefined): string {
  if (!error) return 'unknown error';
  let message = typeof error.Cause === 'string' ? error.Cause : JSON.stringify(error.Cause);
  try {
    const cause = JSON.parse(message) as { errorMessage?: string };
    if (cause && typeof cause.errorMessage === 'string') message = cause.errorMessage;
  } catch {
    // A plain-text cause is already the message.
  }
  return error.Error === PERMANENT_ERROR ? message : `${error.Error}: ${message}`;
}
