// A configurable paginated JSON API on 127.0.0.1 for tests, the benchmark and the demo: the four
// pagination styles, records from a generator, per-page latency, window filtering and injected faults.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type PaginationStyle = 'page' | 'offset' | 'cursor' | 'link';

export type ApiRecord = Record<string, unknown>;

/** Something going wrong on one page, for the first `times` requests of it [1]. */
export type Fault =
  | { page: number; kind: 'status'; status: number; retryAfter?: string; body?: string; times?: number }
  /** Never answers (until the server stops): the client's timeout must fire. */
  | { page: number; kind: 'hang'; times?: number }
  /** Answers 200 with a body that is not JSON (`'{"data": [1, 2'`) or JSON of the wrong shape. */
  | { page: number; kind: 'malformed'; body?: string; times?: number };

export interface PaginatedApiOptions {
  style: PaginationStyle;
  /** Records the API holds (before window filtering). */
  total: number;
  /** The record at an index (0-based); called again for every page that serves it, so keep it pure. */
  record: (index: number) => ApiRecord;
  /** Path of the endpoint [/records]. */
  path?: string;
  /** Page size when the client asks for none [500]. */
  pageSize?: number;
  /** The most records a page holds whatever the client asks, as many real APIs cap it. */
  maxPageSize?: number;
  /** Query parameter names; the defaults are the config's defaults. */
  params?: { page?: string; pageSize?: string; offset?: string; limit?: string; cursor?: string };
  /** First page number of page-style pagination [1]. */
  firstPage?: number;
  /** Dot path of the records array; '' serves the bare array [data]. */
  recordsPath?: string;
  /** Page style: where to put the page count; offset style: where to put the record count. Omitted when unset. */
  totalPagesPath?: string;
  totalPath?: string;
  nextCursorPath?: string;
  nextLinkPath?: string;
  /** Link style: send the next link as an RFC 8288 Link header instead of in the body. */
  linkHeader?: boolean;
  /** Delay before each answer, in ms, or per page (0-based page index). */
  latencyMs?: number | ((pageIndex: number) => number);
  /** Requests must carry `Authorization: Bearer <token>` (or authHeader/authScheme) when set. */
  token?: string;
  authHeader?: string;
  authScheme?: string;
  /** Serve only records whose `field` lies in [from, to) of these query parameters. */
  window?: { field: string; fromParam?: string; toParam?: string };
  faults?: Fault[];
  /** Never end: full pages forever, and always a next cursor or link (to test the pagination guard). */
  endless?: boolean;
}

export interface PaginatedApi {
  /** The endpoint, e.g. http://127.0.0.1:53123/records */
  url: string;
  baseUrl: string;
  /** Requests answered or held so far. */
  requests(): number;
  /** The last request URLs (up to 1000), oldest first. */
  log: string[];
  stop(): Promise<void>;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
  node[parts.at(-1)!] = value;
}

export async function startPaginatedApi(options: PaginatedApiOptions): Promise<PaginatedApi> {
  const path = options.path ?? '/records';
  const names = { page: 'page', pageSize: 'page_size', offset: 'offset', limit: 'limit', cursor: 'cursor', ...options.params };
  const firstPage = options.firstPage ?? 1;
  const recordsPath = options.recordsPath ?? 'data';
  const faults = (options.faults ?? []).map((f) => ({ ...f, left: f.times ?? 1 }));
  const log: string[] = [];
  let requestCount = 0;
  const held = new Set<ServerResponse>();
  // Window filtering needs the matching indexes; they are computed once per window, not per page.
  const windows = new Map<string, Int32Array>();
  const indexesFor = (from: string | null, to: string | null): Int32Array | undefined => {
    if (!options.window || (from === null && to === null)) return undefined;
    const key = `${from}|${to}`;
    let idx = windows.get(key);
    if (!idx) {
      const lo = from === null ? -Infinity : Date.parse(from);
      const hi = to === null ? Infinity : Date.parse(to);
      const out: number[] = [];
      for (let i = 0; i < options.total; i++) {
        const t = Date.parse(String(options.record(i)[options.window.field]));
        // A record without a readable time is served anyway, as a real API would pass it through.
        if (Number.isNaN(t) || (t >= lo && t < hi)) out.push(i);
      }
      idx = Int32Array.from(out);
      windows.set(key, idx);
    }
    return idx;
  };

  let baseUrl = '';
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    requestCount++;
    const url = new URL(req.url ?? '/', baseUrl);
    if (log.length >= 1000) log.shift();
    log.push(url.pathname + url.search);
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body);
    };
    if (url.pathname !== path) return send(404, JSON.stringify({ error: `no such resource ${url.pathname}` }));
    if (options.token !== undefined) {
      const header = (options.authHeader ?? 'authorization').toLowerCase();
      const expected = options.authScheme === '' ? options.token : `${options.authScheme ?? 'Bearer'} ${options.token}`;
      if (req.headers[header] !== expected) return send(401, JSON.stringify({ error: 'missing or wrong token' }));
    }
    const filtered = indexesFor(
      url.searchParams.get(options.window?.fromParam ?? 'updated_since'),
      url.searchParams.get(options.window?.toParam ?? 'updated_until'),
    );
    const available = filtered ? filtered.length : options.total;
    const at = (i: number) => options.record(filtered ? filtered[i]! : i);
    const askedSize = (param: string) => {
      const asked = Number(url.searchParams.get(param) ?? options.pageSize ?? 500);
      return Math.max(1, Math.min(asked, options.maxPageSize ?? Number.POSITIVE_INFINITY));
    };

    let start: number;
    let size: number;
    let pageIndex: number;
    const body: Record<string, unknown> = {};
    const headers: Record<string, string> = {};
    switch (options.style) {
      case 'page': {
        size = askedSize(names.pageSize);
        pageIndex = Number(url.searchParams.get(names.page) ?? firstPage) - firstPage;
        start = pageIndex * size;
        if (options.totalPagesPath) setPath(body, options.totalPagesPath, Math.ceil(available / size));
        break;
      }
      case 'offset': {
        size = askedSize(names.limit);
        start = Number(url.searchParams.get(names.offset) ?? 0);
        pageIndex = Math.floor(start / size);
        if (options.totalPath) setPath(body, options.totalPath, available);
        break;
      }
      case 'cursor':
      case 'link': {
        // The config's cursor style asks its page size as `limit`; next links carry `page_size`.
        size = askedSize(options.style === 'cursor' ? (options.params?.pageSize ?? 'limit') : 'page_size');
        const token = options.style === 'cursor' ? url.searchParams.get(names.cursor) : url.searchParams.get('after');
        start = token ? Number(Buffer.from(token, 'base64url').toString()) : 0;
        pageIndex = Math.floor(start / size);
        break;
      }
    }
    const fault = faults.find((f) => f.page === pageIndex && f.left > 0);
    if (fault) fault.left--;
    const latency = typeof options.latencyMs === 'function' ? options.latencyMs(pageIndex) : (options.latencyMs ?? 0);
    // The latency runs from the request's arrival, while the page is rendered, as a real API's would.
    const delay = latency > 0 ? new Promise((r) => setTimeout(r, latency)) : undefined;
    const page = fault ? undefined : render();
    await delay;
    if (fault?.kind === 'hang') {
      held.add(res);
      res.on('close', () => held.delete(res));
      return;
    }
    if (fault?.kind === 'status')
      return send(
        fault.status,
        fault.body ?? JSON.stringify({ error: `injected ${fault.status}` }),
        fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {},
      );
    if (fault?.kind === 'malformed') return send(200, fault.body ?? '{"data": [{"id": 1}, {"id": 2');
    return send(200, page!.text, page!.headers);

    function render(): { text: string; headers: Record<string, string> } {
      const end = options.endless ? start + size : Math.min(start + size, available);
      const records: ApiRecord[] = [];
      for (let i = start; i < end; i++) records.push(options.endless ? options.record(i % Math.max(1, options.total)) : at(i));
      const more = options.endless || end < available;
      const nextToken = Buffer.from(String(end)).toString('base64url');
      if (options.style === 'cursor') setPath(body, options.nextCursorPath ?? 'next_cursor', more ? nextToken : null);
      if (options.style === 'link') {
        const next = new URL(url.href);
        next.searchParams.set('after', nextToken);
        next.searchParams.set('page_size', String(size));
        const link = more ? next.pathname + next.search : null;
        if (options.linkHeader) {
          if (link) headers.link = `<${link}>; rel="next"`;
        } else setPath(body, options.nextLinkPath ?? 'links.next', link);
      }
      if (recordsPath === '') return { text: JSON.stringify(records), headers };
      setPath(body, recordsPath, records);
      return { text: JSON.stringify(body), headers };
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    });
  });
  // Benchmarks open many connections at once; the default backlog and timeouts suit them.
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${baseUrl}${path}`,
    baseUrl,
    requests: () => requestCount,
    log,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
