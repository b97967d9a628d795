// Errors of the AWS adapters: each names the AWS resource and operation, and says whether a retry may help.
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

export class AthenaQueryError extends PermanentError {
  constructor(
    readonly queryExecutionId: string,
    readonly state: string,
    reason: string | undefined,
    sql: string,
  ) {
    super(
      'AthenaQueryError',
      `Athena query ${queryExecutionId} ended ${state}${reason ? `: ${reason}` : ''} (SQL: ${sql.length > 200 ? `${sql.slice(0, 200)}...` : sql})`,
    );
  }
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
