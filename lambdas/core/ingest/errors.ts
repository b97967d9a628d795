// Named errors of ingestion: each says which source, URL or object failed, and what to do about it.
import { PermanentError, PipelineError, TransientError } from '../errors.js';

/** A page that is not the JSON the source's config describes (not JSON, no records array, a record not an object). */
export class MalformedPageError extends PermanentError {
  constructor(
    readonly source: string,
    readonly url: string,
    readonly page: number,
    readonly issue: string,
  ) {
    super(
      'MalformedPageError',
      `Source "${source}" page ${page} (${url}) is malformed: ${issue}. ` +
        "Check the source's http.recordsPath and pagination paths against the API's response; nothing of this run was committed to bronze.",
    );
  }
}

/** An HTTP status that retrying will not fix (401, 403, 404, 400...), or a retryable one after the last attempt. */
export class HttpStatusError extends PipelineError {
  /** Throttling, timeouts and server errors may pass later; any other status means the request is wrong. */
  readonly retryable: boolean;

  constructor(
    readonly source: string,
    readonly url: string,
    readonly status: number,
    readonly body: string,
    readonly attempts: number,
    /** Delay asked by a Retry-After header, in milliseconds. */
    readonly retryAfterMs?: number,
  ) {
    super(
      'HttpStatusError',
      `Source "${source}": ${url} answered HTTP ${status} after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${body.slice(0, 200)}. ${statusHint(status)}`,
    );
    this.retryable = status === 408 || status === 429 || status >= 500;
  }
}

function statusHint(status: number): string {
  if (status === 401 || status === 403)
    return "Check the token in the source's authSecretName secret (and any secret its http.headers read) and the authHeader/authScheme settings.";
  if (status === 404) return "Check the source's http.endpoint.";
  if (status === 429 || status === 503)
    return 'The API keeps throttling: lower limits.httpPagesInFlight or raise limits.retry.maxAttempts.';
  if (status >= 500) return 'The API is failing; the run can be retried later.';
  return "Check the request parameters (pagination and window params) in the source's config.";
}

/** No answer within the timeout, on every attempt. */
export class HttpTimeoutError extends TransientError {
  constructor(
    readonly source: string,
    readonly url: string,
    readonly timeoutMs: number,
    readonly attempts: number,
  ) {
    super(
      'HttpTimeoutError',
      `Source "${source}": ${url} did not answer within ${timeoutMs} ms (${attempts} attempt${attempts === 1 ? '' : 's'}). Raise http.timeoutMs or limits.httpTimeoutMs if the API is slow.`,
    );
  }
}

/** More pages than the guard allows: an API that never says it is done, or a window far too big for one run. */
export class PaginationLimitError extends PermanentError {
  constructor(
    readonly source: string,
    readonly maxPages: number,
    readonly lastUrl: string,
  ) {
    super(
      'PaginationLimitError',
      `Source "${source}" returned more than ${maxPages} pages (last ${lastUrl}) without ending; stopped to avoid endless pagination. ` +
        'If the window really is that big, raise http.maxPages or limits.maxPagesPerRun, or backfill it in smaller windows.',
    );
  }
}

/**
 * Pagination that comes back to where it was: a cursor or next link to a page already fetched, or a page
 * holding the very records of an earlier one (an API that ignores the page or offset parameter).
 */
export class PaginationLoopError extends PermanentError {
  constructor(
    readonly source: string,
    /** The page (1-based, in fetch order) that repeats an earlier one. */
    readonly page: number,
    readonly url: string,
    /** How it repeats, e.g. `holds the same 50 records as page 1 (<url>)`. */
    readonly detail: string,
  ) {
    super(
      'PaginationLoopError',
      `Source "${source}" page ${page} (${url}) ${detail}: the API's pagination loops and would never end. ` +
        "Check the source's pagination style and parameter names against the API; nothing of this run was committed to bronze.",
    );
  }
}

/** A next link to another origin: following it would send the source's token to a third party. */
export class ForeignLinkError extends PermanentError {
  constructor(
    readonly source: string,
    readonly link: string,
    readonly endpoint: string,
  ) {
    super(
      'ForeignLinkError',
      `Source "${source}": the next link ${link} leaves the endpoint's origin (${new URL(endpoint).origin}); refusing to send the token there. Point http.endpoint at the API's real origin.`,
    );
  }
}

/** A source name, run id or window that ingestion cannot use. */
export class IngestInputError extends PermanentError {
  constructor(message: string) {
    super('IngestInputError', message);
  }
}

/** The connection failed (refused, reset, DNS) on every attempt. */
export class HttpNetworkError extends TransientError {
  constructor(
    readonly source: string,
    readonly url: string,
    readonly detail: string,
    readonly attempts: number,
  ) {
    super(
      'HttpNetworkError',
      `Source "${source}": could not reach ${url} (${detail}) after ${attempts} attempt${attempts === 1 ? '' : 's'}. Check the endpoint's host and the network path from the function (VPC, NAT, firewall).`,
    );
  }
}

/** A dropped file that cannot be read as records; the reason lands beside it in error/. */
export class UnreadableFileError extends PermanentError {
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super('UnreadableFileError', `${key}: ${reason}`);
  }
}

export class HashIndexFormatError extends PermanentError {
  constructor(
    readonly uri: string,
    detail: string,
  ) {
    super(
      'HashIndexFormatError',
      `Bronze hash index ${uri} is not readable (${detail}); it was written by another tool or truncated. Move it aside and rerun the window to rebuild it.`,
    );
  }
}
