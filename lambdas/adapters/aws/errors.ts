// Errors of the AWS adapters: each names the AWS resource and operation, and says whether a retry may help.
import type { AthenaError } from '@aws-sdk/client-athena';
import { PermanentError, PipelineError, TransientError } from '../../core/errors.js';

/** Whether an AWS SDK error may pass on a later attempt: throttling, server faults and network failures may; a client fault may not. */
function sdkErrorRetryable(err: unknown): boolean {
  const e = err as { $fault?: string; $retryable?: unknown };
  if (isThrottling(err)) return true;
  if (e.$retryable) return true;
  if (e.$fault === 'client') return false;
  return true;
}

/** A failed S3 request that is not one of the port's own errors (missing object, object exists). */
export class S3OperationError extends PipelineError {
  readonly retryable: boolean;

  constructor(
    readonly operation: string,
    readonly uri: string,
    cause: unknown,
  ) {
    const e = cause as { name?: string; message?: string };
    super('S3OperationError', `S3 ${operation} of ${uri} failed: ${e.name ?? 'Error'}: ${e.message ?? String(cause)}`, { cause });
    this.retryable = sdkErrorRetryable(cause);
  }
}

export class InvalidS3UriError extends PermanentError {
  constructor(readonly uri: string) {
    super('InvalidS3UriError', `"${uri}" is not an S3 URI of the form s3://bucket/key`);
  }
}

/** A DynamoDB request that failed after the SDK's retries; `cause` holds the SDK's error. */
export class StateStoreError extends PipelineError {
  readonly retryable: boolean;

  constructor(
    readonly table: string,
    readonly operation: string,
    cause: unknown,
  ) {
    const e = cause as { name?: string; message?: string; $metadata?: { attempts?: number; httpStatusCode?: number } };
    const attempts = e.$metadata?.attempts;
    super(
      'StateStoreError',
      `DynamoDB ${operation} on table "${table}" failed${attempts ? ` after ${attempts} attempt(s)` : ''}: ${e.name ?? 'Error'}: ${e.message ?? String(cause)}` +
        (isThrottling(cause) ? ' (throttled: raise the table capacity or lower the concurrency)' : ''),
      { cause },
    );
    this.retryable = sdkErrorRetryable(cause);
  }
}

/** What GetQueryExecution's Status says of a query that ended without succeeding. */
export interface AthenaQueryFailure {
  queryExecutionId: string;
  workGroup: string;
  /** FAILED or CANCELLED. */
  state: string;
  /** Status.StateChangeReason: Athena's own account of what went wrong. */
  reason?: string;
  /** Status.AthenaError, when Athena classified the failure. */
  athenaError?: AthenaError;
  sql: string;
}

/** Athena's error categories (AthenaError.ErrorCategory; the SDK's docs and Athena's error catalog). */
const ERROR_CATEGORIES: Record<number, string> = { 1: 'system', 2: 'user', 3: 'other' };

/** A lost optimistic-concurrency race on an Iceberg table: another writer committed first; a resubmission starts from the new snapshot. */
const ICEBERG_COMMIT_CONFLICT = /ICEBERG_COMMIT_ERROR|CommitFailedException/i;

/**
 * A query Athena ran and ended FAILED or CANCELLED, with Athena's message, classification and query id.
 * Retryable when Athena says a resubmission may pass (AthenaError.Retryable; without that flag, a system
 * error), or on an Iceberg commit conflict; a user error or a cancellation is not.
 */
export class AthenaQueryError extends PipelineError {
  readonly retryable: boolean;
  readonly queryExecutionId: string;
  readonly state: string;
  readonly athenaError?: AthenaError;

  constructor(failure: AthenaQueryFailure) {
    const { queryExecutionId, workGroup, state, reason, athenaError, sql } = failure;
    const conflict = ICEBERG_COMMIT_CONFLICT.test(`${reason ?? ''} ${athenaError?.ErrorMessage ?? ''}`);
    const retryable = state === 'FAILED' && (conflict || (athenaError?.Retryable ?? athenaError?.ErrorCategory === 1));
    const classified = athenaError ? ` [${describeAthenaError(athenaError, reason)}]` : '';
    super(
      'AthenaQueryError',
      `Athena query ${queryExecutionId} ended ${state}${reason ? `: ${reason}` : ''}${classified} (workgroup ${workGroup}; ` +
        `statement: ${statementPreview(sql)}). ${nextStep(state, retryable, conflict, athenaError)}`,
    );
    this.retryable = retryable;
    this.queryExecutionId = queryExecutionId;
    this.state = state;
    if (athenaError) this.athenaError = athenaError;
  }
}

function describeAthenaError(e: AthenaError, reason: string | undefined): string {
  const parts: string[] = [];
  if (e.ErrorCategory !== undefined) parts.push(`category ${e.ErrorCategory} (${ERROR_CATEGORIES[e.ErrorCategory] ?? 'unknown'})`);
  if (e.ErrorType !== undefined) parts.push(`type ${e.ErrorType}`);
  if (e.Retryable !== undefined) parts.push(e.Retryable ? 'retryable' : 'not retryable');
  // The message often repeats the state change reason word for word.
  if (e.ErrorMessage && e.ErrorMessage !== reason) parts.push(e.ErrorMessage);
  return `Athena error ${parts.join(', ')}`;
}

function nextStep(state: string, retryable: boolean, conflict: boolean, athenaError: AthenaError | undefined): string {
  if (conflict) return 'Another writer committed to the Iceberg table first: a retry runs the statement again on the new snapshot.';
  if (retryable && athenaError?.Retryable) return 'Athena says a resubmission may pass: retry.';
  if (retryable) return "It is an Athena system error, not the statement's: a retry may pass.";
  if (state === 'CANCELLED')
    return 'It was stopped by a user or by the workgroup (its bytes-scanned cutoff, limits.athenaBytesScannedCutoff): narrow the query or raise the cutoff.';
  return 'Fix the statement or the tables it names; the query id finds it in the Athena console (Query history).';
}

/**
 * A query still QUEUED or RUNNING at the deadline, or whose status could not be read until then; it has been
 * stopped. Still queued is the workgroup's load, and an unread status throttled polls: a later attempt may
 * pass. Still running will not.
 */
export class AthenaQueryTimeoutError extends PipelineError {
  readonly retryable: boolean;

  constructor(
    readonly queryExecutionId: string,
    /** The last state read, or UNKNOWN when no poll succeeded. */
    readonly state: string,
    timeoutMs: number,
    sql: string,
    failures: { stop?: string; lastPoll?: string } = {},
  ) {
    const running = state === 'RUNNING';
    super(
      'AthenaQueryTimeoutError',
      `Athena query ${queryExecutionId} was still ${state} after ${timeoutMs} ms and ` +
        `${failures.stop ? `could not be stopped (${failures.stop})` : 'was stopped'} (statement: ${statementPreview(sql)}). ` +
        (failures.lastPoll ? `The last status poll failed: ${failures.lastPoll}. ` : '') +
        (state === 'QUEUED'
          ? 'It waited in the queue: the workgroup is busy; a retry may pass, or lower the concurrency.'
          : running
            ? 'It ran too long: raise timeoutMs (within the Lambda timeout), or make it scan less (filter on the partition key).'
            : 'Its status could not be read: a retry may pass.'),
    );
    this.retryable = !running;
  }
}

/** An Athena API request (StartQueryExecution, GetQueryExecution, ...) that failed after the SDK's retries; `cause` holds the SDK's error. */
export class AthenaRequestError extends PipelineError {
  readonly retryable: boolean;

  constructor(
    readonly operation: string,
    readonly workGroup: string,
    sql: string,
    cause: unknown,
    readonly queryExecutionId?: string,
  ) {
    const e = cause as { name?: string; message?: string; Reason?: string };
    const throttled = isThrottling(cause);
    super(
      'AthenaRequestError',
      `Athena ${operation}${queryExecutionId ? ` of query ${queryExecutionId}` : ''} in workgroup ${workGroup} failed: ` +
        `${e.name ?? 'Error'}: ${e.message ?? String(cause)}${e.Reason ? ` (${e.Reason})` : ''} (statement: ${statementPreview(sql)})` +
        (throttled ? '. Throttled: a retry may pass; lower the number of queries run at once or raise the account quota.' : ''),
      { cause },
    );
    this.retryable = sdkErrorRetryable(cause);
  }
}

/** A statement's first non-blank line, shortened, and how many lines follow: enough to know which statement it was. */
function statementPreview(sql: string, max = 120): string {
  const lines = sql
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const first = lines[0] ?? '';
  const shown = first.length > max ? `${first.slice(0, max)}...` : first;
  return lines.length > 1 ? `"${shown}" + ${lines.length - 1} more line(s)` : `"${shown}"`;
}

export class CongregadoContentionError extends TransientError {
  constructor(
    readonly id: string,
    attempts: number,
  ) {
    super(
      'CongregadoContentionError',
      `Congregado ${id}: ${attempts} versioned writes in a row lost to concurrent saves; retry the consolidation`,
    );
  }
}

export class InvalidWatermarkError extends PermanentError {
  constructor(
    readonly source: string,
    readonly value: string,
  ) {
    super('InvalidWatermarkError', `Watermark "${value}" of source "${source}" is not an ISO-8601 instant (e.g. 2024-03-15T00:00:00.000Z)`);
  }
}

/** Whether an AWS SDK error is throttling: the request was fine, the service asked to slow down. */
function isThrottling(err: unknown): boolean {
  const name = (err as { name?: string }).name ?? '';
  return /Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded|SlowDown|TooManyRequests/.test(name);
}

/** The Glue Data Catalog refused a change, or holds something the pipeline does not map. */
export class GlueCatalogError extends PermanentError {
  constructor(message: string) {
    super('GlueCatalogError', message);
  }
}
