// One JSON GET with a per-request timeout and retries: exponential backoff with jitter (p-retry),
// honouring Retry-After on 429 and 503, failing at once on statuses that retrying will not fix.
import pRetry, { AbortError } from 'p-retry';
import type { RetryConfig } from '../config.js';
import { HttpNetworkError, HttpStatusError, HttpTimeoutError, MalformedPageError } from './errors.js';
import { TransientError } from '../errors.js';

export type FetchFn = (input: string, init: { headers: Record<string, string>; signal: AbortSignal }) => Promise<Response>;

/** Statuses worth another attempt: throttling, timeouts and server errors. */
const RETRYABLE_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);

export interface RetryNotice {
  source: string;
  url: string;
  attempt: number;
  reason: string;
  /** The wait the server asked for, when it did. */
  retryAfterMs?: number;
}

export interface GetJsonOptions {
  source: string;
  /** Page number for error messages (1-based, in fetch order). */
  page: number;
  fetch: FetchFn;
  headers: Record<string, string>;
  timeoutMs: number;
  retry: RetryConfig;
  /** Aborts the request and its retries (pagination ended, or the run failed). */
  signal?: AbortSignal;
  onRetry?: (notice: RetryNotice) => void;
  /** Waits; tests and the clock-free core use the real timer. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface JsonResponse {
  body: unknown;
  headers: Headers;
}

/** A failure the retry loop may try again; converted to a named error after the last attempt. */
class TransientFailure extends TransientError {
  constructor(
    readonly kind: 'status' | 'timeout' | 'network',
    message: string,
    readonly status?: number,
    readonly body?: string,
    readonly retryAfterMs?: number,
    readonly underlying?: unknown,
  ) {
    super('TransientFailure', message);
  }
}

export async function getJson(url: string, options: GetJsonOptions): Promise<JsonResponse> {
  const { source, page, retry } = options;
  const sleep = options.sleep ?? defaultSleep;
  let attempts = 0;
  try {
    return await pRetry(
      async (attempt) => {
        attempts = attempt;
        const timeout = AbortSignal.timeout(options.timeoutMs);
        const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
        let response: Response;
        let text: string;
        try {
          response = await options.fetch(url, { headers: options.headers, signal });
          // The body is read under the same timeout: a server that stalls mid-body is a timeout too.
          // Buffer's UTF-8 decoding is several times faster than Response.text()'s TextDecoder.
          text = Buffer.from(await response.arrayBuffer()).toString('utf8');
        } catch (err) {
          if (options.signal?.aborted)
            throw new AbortError(options.signal.reason instanceof Error ? options.signal.reason : new Error('aborted'));
          if (timeout.aborted) throw new TransientFailure('timeout', `no answer within ${options.timeoutMs} ms`);
          throw new TransientFailure('network', describeNetworkError(err), undefined, undefined, undefined, err);
        }
        if (response.ok) {
          try {
            return { body: JSON.parse(text) as unknown, headers: response.headers };
          } catch (err) {
            throw new AbortError(
              new MalformedPageError(
                source,
                url,
                page,
                `not JSON (${(err as Error).message}); body starts ${JSON.stringify(text.slice(0, 80))}`,
              ),
            );
          }
        }
        const retryAfterMs =
          response.status === 429 || response.status === 503 ? parseRetryAfter(response.headers.get('retry-after'), Date.now()) : undefined;
        if (!RETRYABLE_STATUSES.has(response.status))
          throw new AbortError(new HttpStatusError(source, url, response.status, text, attempt));
        if (retryAfterMs !== undefined && retryAfterMs > retry.maxDelayMs)
          // Waiting longer than the policy allows would hold the Lambda; fail now and let the run be retried later.
          throw new AbortError(
            new HttpStatusError(
              source,
              url,
              response.status,
              `${text} (Retry-After asks for ${Math.ceil(retryAfterMs / 1000)} s, beyond limits.retry.maxDelayMs)`,
              attempt,
              retryAfterMs,
            ),
          );
        throw new TransientFailure('status', `HTTP ${response.status}`, response.status, text, retryAfterMs);
      },
      {
        retries: Math.max(0, retry.maxAttempts - 1),
        factor: 2,
        minTimeout: retry.baseDelayMs,
        maxTimeout: retry.maxDelayMs,
        randomize: true,
        signal: options.signal,
        onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
          if (retriesLeft <= 0 || !(error instanceof TransientFailure)) return;
          options.onRetry?.({ source, url, attempt: attemptNumber, reason: error.message, retryAfterMs: error.retryAfterMs });
          // p-retry then adds its own jittered backoff, so the wait is never shorter than the server asked.
          if (error.retryAfterMs) await sleep(error.retryAfterMs, options.signal);
        },
      },
    );
  } catch (err) {
    if (!(err instanceof TransientFailure)) throw err;
    if (err.kind === 'timeout') throw new HttpTimeoutError(source, url, options.timeoutMs, attempts);
    if (err.kind === 'network') throw new HttpNetworkError(source, url, err.message, attempts);
    throw new HttpStatusError(source, url, err.status ?? 0, err.body ?? '', attempts, err.retryAfterMs);
  }
}

/** Retry-After as delta-seconds or an HTTP date, in milliseconds from now; undefined when absent or unreadable. */
function parseRetryAfter(header: string | null | undefined, now: number): number | undefined {
  if (header === null || header === undefined || header.trim() === '') return undefined;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

function describeNetworkError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ? `${err.message} (${cause.code})` : cause?.message ? `${err.message} (${cause.message})` : err.message;
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
