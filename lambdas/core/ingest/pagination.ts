// Walks a paginated JSON API in the four styles real APIs use. Page-number and offset pages are
// fetched several at a time (bounded), delivered in order; cursor and next-link pages can only be
// fetched one after another. A guard stops pagination that never ends.
import { z } from 'zod';
import type { HttpSourceConfig, RetryConfig, WindowFormat } from '../config.js';
import { businessDate } from '../plan.js';
import type { RunWindow } from '../window.js';
import { ForeignLinkError, MalformedPageError, PaginationLimitError, PaginationLoopError } from './errors.js';
import { getJson, type FetchFn, type JsonResponse, type RetryNotice } from './http-client.js';
import { getPath, isRecordObject } from './records.js';
import { InvariantError } from '../errors.js';

export interface Page {
  /** 1-based, in the order pages are delivered. */
  number: number;
  url: string;
  records: Record<string, unknown>[];
  /** Records or pages in the whole result, when the API says. */
  totalRecords?: number;
  totalPages?: number;
}

export interface PaginateOptions {
  source: string;
  http: HttpSourceConfig;
  window: Pick<RunWindow, 'from' | 'to'>;
  fetch: FetchFn;
  headers: Record<string, string>;
  timeoutMs: number;
  retry: RetryConfig;
  pagesInFlight: number;
  maxPages: number;
  /** The business timezone, in which a `date` window format counts days [UTC]. */
  timezone?: string;
  signal?: AbortSignal;
  onRetry?: (notice: RetryNotice) => void;
}

const RecordsSchema = z.array(z.custom<Record<string, unknown>>(isRecordObject, { message: 'expected every record to be a JSON object' }));

/** The pages of one window, in order. Throws MalformedPageError, PaginationLimitError and the HTTP errors. */
export async function* paginate(options: PaginateOptions): AsyncGenerator<Page> {
  const style = options.http.pagination.style;
  if (style === 'page' || style === 'offset') yield* paginateNumbered(options);
  else if (style === 'cursor') yield* paginateCursor(options);
  else yield* paginateLinks(options);
}

function baseUrl(options: PaginateOptions): URL {
  const url = new URL(options.http.endpoint);
  for (const [k, v] of Object.entries(options.http.query ?? {})) url.searchParams.set(k, v);
  const { from, to } = windowParamValues(options.window, options.http.windowFormat ?? 'iso', options.timezone ?? 'UTC');
  url.searchParams.set(options.http.windowParams.from, from);
  url.searchParams.set(options.http.windowParams.to, to);
  return url;
}

/**
 * The window's bounds as the API wants them. iso, epochSeconds and epochMillis write [from, to) exactly (windows
 * are cut at whole minutes, so seconds lose nothing); date writes the first and last business day the window
 * touches, both inclusive, as a date-only API cannot cut inside a day (bronze drops the rows seen twice).
 */
export function windowParamValues(
  window: Pick<RunWindow, 'from' | 'to'>,
  format: WindowFormat,
  timezone: string,
): { from: string; to: string } {
  const from = Date.parse(window.from);
  const to = Date.parse(window.to);
  switch (format) {
    case 'iso':
      return { from: window.from, to: window.to };
    case 'epochSeconds':
      return { from: String(Math.floor(from / 1000)), to: String(Math.floor(to / 1000)) };
    case 'epochMillis':
      return { from: String(from), to: String(to) };
    case 'date':
      return { from: businessDate(new Date(from), timezone), to: businessDate(new Date(Math.max(from, to - 1)), timezone) };
  }
}

function withParams(base: URL, params: Record<string, string | number>): string {
  const url = new URL(base.href);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, String(v));
  return url.href;
}

async function fetchPage(
  options: PaginateOptions,
  url: string,
  number: number,
  signal: AbortSignal | undefined,
): Promise<{ page: Page; response: JsonResponse }> {
  const response = await getJson(url, {
    source: options.source,
    page: number,
    fetch: options.fetch,
    headers: options.headers,
    timeoutMs: options.timeoutMs,
    retry: options.retry,
    signal,
    onRetry: options.onRetry,
  });
  const raw = getPath(response.body, options.http.recordsPath);
  if (raw === undefined || raw === null) {
    const where = options.http.recordsPath === '' ? 'the page itself' : `"${options.http.recordsPath}"`;
    throw new MalformedPageError(options.source, url, number, `no records array at ${where}`);
  }
  const parsed = RecordsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = [options.http.recordsPath, ...issue.path.map(String)].filter((p) => p !== '').join('.');
    throw new MalformedPageError(options.source, url, number, `${at || '(page)'}: ${issue.message}`);
  }
  return { page: { number, url, records: raw as Record<string, unknown>[] }, response };
}

function numberAt(body: unknown, path: string | undefined): number | undefined {
  if (!path) return undefined;
  const v = getPath(body, path);
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined;
}

/**
 * Page-number and offset pagination. It starts with one request; when the first page comes back full
 * (as many records as asked) it widens to `pagesInFlight` requests ahead, so a small window costs one
 * request, not eight. Pagination ends at an empty page, a page shorter than the full ones, or the total
 * the API reports. An API that caps the page size below what was asked is followed one page at a time.
 */
async function* paginateNumbered(options: PaginateOptions): AsyncGenerator<Page> {
  const p = options.http.pagination;
  if (p.style !== 'page' && p.style !== 'offset') throw new InvariantError('unreachable pagination style');
  const base = baseUrl(options);
  const size = p.style === 'page' ? p.pageSize : p.limit;
  // Offsets of a capped API depend on what came back; page numbers do not.
  let offsetSoFar = 0;
  let sequentialOffsets = false;
  const urlOf = (index: number) =>
    p.style === 'page'
      ? withParams(base, { [p.pageParam]: p.firstPage + index, [p.pageSizeParam]: size })
      : withParams(base, { [p.offsetParam]: sequentialOffsets ? offsetSoFar : index * size, [p.limitParam]: size });

  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([stop.signal, options.signal]) : stop.signal;
  const inFlight: { index: number; result: Promise<{ page: Page; response: JsonResponse }> }[] = [];
  let next = 0;
  let width = 1;
  let end = Number.POSITIVE_INFINITY;
  let fullSize = 0;
  let expectedRecords: number | undefined;
  // One page past the guard is fetched to tell "exactly maxPages" from "more than maxPages".
  const lastAllowed = options.maxPages;
  const issue = () => {
    while (inFlight.length < width && next < end && next <= lastAllowed) {
      const index = next++;
      const result = fetchPage(options, urlOf(index), index + 1, signal);
      // Pages fetched ahead may be abandoned when pagination ends; their failures are not the run's.
      result.catch(() => undefined);
      inFlight.push({ index, result });
    }
  };
  try {
    for (;;) {
      issue();
      const head = inFlight.shift();
      if (!head) return;
      const { page, response } = await head.result;
      const n = page.records.length;
      if (n === 0) return;
      if (head.index >= lastAllowed) throw new PaginationLimitError(options.source, options.maxPages, page.url);
      if (head.index === 0) {
        const totalPages = p.style === 'page' ? numberAt(response.body, p.totalPagesPath) : undefined;
        const totalRecords = p.style === 'offset' ? numberAt(response.body, p.totalPath) : undefined;
        const capped = n < size;
        if (totalPages !== undefined) end = Math.min(end, totalPages);
        // A capped API serves fewer records a page than asked: pages of the asked size would undercount.
        if (totalRecords !== undefined && !capped) end = Math.min(end, Math.ceil(totalRecords / size));
        expectedRecords = totalRecords;
        page.totalPages = totalPages ?? (totalRecords !== undefined ? Math.ceil(totalRecords / (capped ? n : size)) : undefined);
        page.totalRecords = totalRecords;
        if (!capped) width = options.pagesInFlight;
        else if (p.style === 'offset') sequentialOffsets = true;
      } else if (p.style === 'page' && width === 1 && n >= fullSize) {
        // A second full page of a capped API: page numbers are safe to fetch ahead.
        width = options.pagesInFlight;
      }
      offsetSoFar += n;
      const shortPage = head.index > 0 && n < fullSize;
      fullSize = Math.max(fullSize, n);
      yield page;
      if (shortPage || head.index + 1 >= end) return;
      if (sequentialOffsets && expectedRecords !== undefined && offsetSoFar >= expectedRecords) return;
    }
  } finally {
    stop.abort(new Error('pagination ended'));
  }
}

/**
 * Cursor and next-link pages come one after another, but the next request need not wait for the
 * caller: it is sent as soon as a page names it, while the caller stores the page just yielded.
 */
async function* followChain(
  options: PaginateOptions,
  firstUrl: string,
  nextOf: (page: Page, response: JsonResponse) => string | undefined,
): AsyncGenerator<Page> {
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([stop.signal, options.signal]) : stop.signal;
  const request = (url: string, number: number) => {
    const result = fetchPage(options, url, number, signal);
    // A request sent ahead may be abandoned when the caller stops; its failure is not the run's.
    result.catch(() => undefined);
    return result;
  };
  try {
    let pending = request(firstUrl, 1);
    for (let number = 1; ; number++) {
      const { page, response } = await pending;
      const next = nextOf(page, response);
      if (next !== undefined && number < options.maxPages) pending = request(next, number + 1);
      yield page;
      if (next === undefined) return;
      if (number >= options.maxPages) throw new PaginationLimitError(options.source, options.maxPages, next);
    }
  } finally {
    stop.abort(new Error('pagination ended'));
  }
}

async function* paginateCursor(options: PaginateOptions): AsyncGenerator<Page> {
  const p = options.http.pagination;
  if (p.style !== 'cursor') throw new InvariantError('unreachable pagination style');
  const base = baseUrl(options);
  const urlOf = (cursor?: string) =>
    withParams(base, { [p.pageSizeParam]: p.pageSize, ...(cursor !== undefined ? { [p.cursorParam]: cursor } : {}) });
  const seen = new Set<string>();
  yield* followChain(options, urlOf(), (page, response) => {
    const nextCursor = getPath(response.body, p.nextCursorPath);
    if (nextCursor === undefined || nextCursor === null || nextCursor === '') return undefined;
    if (typeof nextCursor !== 'string' && typeof nextCursor !== 'number')
      throw new MalformedPageError(
        options.source,
        page.url,
        page.number,
        `${p.nextCursorPath}: expected a string cursor, got ${JSON.stringify(nextCursor).slice(0, 60)}`,
      );
    const cursor = String(nextCursor);
    if (seen.has(cursor))
      throw new PaginationLoopError(options.source, page.number, page.url, `points back to an already fetched page (cursor ${cursor})`);
    seen.add(cursor);
    return urlOf(cursor);
  });
}

/** The rel="next" target of an RFC 8288 Link header, which some APIs use instead of a body field. */
function nextFromLinkHeader(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const m = /<([^>]*)>\s*;(.*)/.exec(part.trim());
    if (m && /\brel="?([^";]*\s)?next(\s[^";]*)?"?/i.test(m[2]!)) return m[1];
  }
  return undefined;
}

async function* paginateLinks(options: PaginateOptions): AsyncGenerator<Page> {
  const p = options.http.pagination;
  if (p.style !== 'link') throw new InvariantError('unreachable pagination style');
  const origin = new URL(options.http.endpoint).origin;
  const first = baseUrl(options).href;
  const seen = new Set<string>([first]);
  yield* followChain(options, first, (page, response) => {
    const link = getPath(response.body, p.nextLinkPath) ?? nextFromLinkHeader(response.headers.get('link'));
    if (link === undefined || link === null || link === '') return undefined;
    if (typeof link !== 'string')
      throw new MalformedPageError(
        options.source,
        page.url,
        page.number,
        `${p.nextLinkPath}: expected a URL, got ${JSON.stringify(link).slice(0, 60)}`,
      );
    const next = new URL(link, page.url);
    if (next.origin !== origin) throw new ForeignLinkError(options.source, next.href, options.http.endpoint);
    if (seen.has(next.href))
      throw new PaginationLoopError(options.source, page.number, page.url, `points back to an already fetched page (${next.href})`);
    seen.add(next.href);
    return next.href;
  });
}

/**
 * Catches an API that serves the same records whatever page, offset, cursor or link is asked: each page's
 * content fingerprint (see BronzeWriter.addAll) is compared with every earlier page's. Without it such an
 * API runs to the page guard, maxPagesPerRun requests later. Empty pages are not compared: some cursor
 * APIs legitimately send several before the end.
 */
export class RepeatedPageGuard {
  private readonly seen = new Map<string, { number: number; url: string }>();

  constructor(
    private readonly source: string,
    private readonly http: HttpSourceConfig,
  ) {}

  /** Throws PaginationLoopError when the page holds exactly the records of an earlier page. */
  check(page: Pick<Page, 'number' | 'url' | 'records'>, fingerprint: string): void {
    if (page.records.length === 0) return;
    const earlier = this.seen.get(fingerprint);
    if (earlier)
      throw new PaginationLoopError(
        this.source,
        page.number,
        page.url,
        `holds the same ${page.records.length} record${page.records.length === 1 ? '' : 's'} as page ${earlier.number} (${earlier.url}); ` +
          `the API seems to ignore ${this.parameter()}`,
      );
    this.seen.set(fingerprint, { number: page.number, url: page.url });
  }

  private parameter(): string {
    const p = this.http.pagination;
    if (p.style === 'page') return `the page parameter "${p.pageParam}"`;
    if (p.style === 'offset') return `the offset parameter "${p.offsetParam}"`;
    if (p.style === 'cursor') return `the cursor parameter "${p.cursorParam}"`;
    return 'the next link it gives';
  }
}
