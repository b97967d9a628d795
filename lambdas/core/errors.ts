// The one error model: every error the pipeline throws derives from PipelineError, which carries a
// stable code (the class's name, kept as a string so that minified bundles keep it) and whether a retry
// can help. The Lambda entry points surface every error that a retry cannot fix under one name,
// PERMANENT_ERROR, so the state machine's retry policy follows the code and cannot drift from it.

/** The error name under which the Lambda entry points surface every non-retryable error to Step Functions. */
export const PERMANENT_ERROR = 'PermanentError';

export interface PipelineErrorOptions {
  cause?: unknown;
}

export abstract class PipelineError extends Error {
  /** Stable identifier of the error class (its name), e.g. `ExecutionInputError`. */
  readonly code: string;
  /** True when the same call may succeed later (a throttled API, a lost race); false when the input, config or data is wrong. */
  abstract readonly retryable: boolean;

  protected constructor(code: string, message: string, options?: PipelineErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = code;
    this.code = code;
  }
}

/** An error no retry can fix: a wrong input, config or data, or an outcome that must not be repeated. */
export abstract class PermanentError extends PipelineError {
  readonly retryable = false;
}

/** An error a later attempt may not meet: throttling, a flaky network, a race lost to another writer. */
export abstract class TransientError extends PipelineError {
  readonly retryable = true;
}

/** Whether a retry may help. Errors from outside the pipeline (the SDK, the runtime) count as transient. */
export function isRetryable(err: unknown): boolean {
  return !(err instanceof PipelineError) || err.retryable;
}

/** `Name: message`, the form errors take in step records, logs and notifications. */
export function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/**
 * The error as a Lambda function surfaces it to Step Functions: a non-retryable error under the one
 * name PERMANENT_ERROR with the original class and message as its message (Step Functions' Cause keeps
 * it); any other keeps its own name, which the state machine's Retry blocks match.
 */
export function toStepFunctionsError(err: unknown): Error {
  if (isRetryable(err)) return err instanceof Error ? err : new Error(String(err));
  const surfaced = new Error(describeError(err), { cause: err });
  surfaced.name = PERMANENT_ERROR;
  return surfaced;
}

/** A broken invariant of the pipeline's own code: a bug to report, not an input to fix. */
export class InvariantError extends PermanentError {
  constructor(message: string) {
    super('InvariantError', message);
  }
}
