// The demo HTTP API of `npm start`: the default config's four sources, each with its pagination style,
// window filtering, a bearer token, and the occasional 429 or 500 a real API throws.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { PipelineConfig, SourceConfig } from '../lambdas/core/config.js';
import { DEMO_API_BASE } from '../lambdas/core/default-config.js';
import type { DemoDataset, DemoRecord } from './demo-data.js';

export interface DemoApi {
  baseUrl: string;
  /** The bearer token the API requires. */
  token: string;
  /** Requests served, per path, for the summary and tests. */
  requests: Map<string, number>;
  stop(): Promise<void>;
}

export interface DemoApiOptions {
  /** Answer one request of sor with 429 (Retry-After: 1) and one of sot with 500 [true]. */
  faults?: boolean;
}

/** Sets a dot path (`links.next`) in an object. */
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
  node[parts.at(-1)!] = value;
}

export async function startDemoApi(config: PipelineConfig, dataset: DemoDataset, options: DemoApiOptions = {}): Promise<DemoApi> {
  const token = `demo-${randomUUID()}`;
  const requests = new Map<string, number>();
  const routes = new Map<string, { source: SourceConfig; records: DemoRecord[] }>();
  for (const source of config.sources) {
    if (!source.http || !(source.name in dataset.http)) continue;
    const path = new URL(source.http.endpoint.replace(DEMO_API_BASE, 'http://demo')).pathname;
    routes.set(path, { source, records: dataset.http[source.name as keyof DemoDataset['http']] });
  }
  // Each injected fault fires once, on a page past the first, so that a retry recovers.
  const faults = new Map<string, number>(
    options.faults === false
      ? []
      : [
          ['/sor/operacoes', 429],
          ['/sot/operacoes', 500],
        ],
  );
  let baseUrl = '';

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', baseUrl);
    const route = routes.get(url.pathname);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (!route) return send(404, { error: `no such resource ${url.pathname}` });
    const n = (requests.get(url.pathname) ?? 0) + 1;
    requests.set(url.pathname, n);
    const http = route.source.http!;
    if (http.authSecretName && req.headers.authorization !== `Bearer ${token}`)
      return send(401, { error: 'missing or wrong bearer token' });
    const fault = faults.get(url.pathname);
    if (fault && n >= 2) {
      faults.delete(url.pathname);
      return fault === 429 ? send(429, { error: 'slow down' }, { 'retry-after': '1' }) : send(500, { error: 'upstream hiccup' });
    }
    // The window: updated_since inclusive, updated_until exclusive, on the source's watermark field.
    const since = url.searchParams.get(http.windowParams.from);
    const until = url.searchParams.get(http.windowParams.to);
    const field = route.source.watermarkField;
    const inWindow = route.records.filter((r) => {
      const t = typeof r[field] === 'string' ? Date.parse(r[field] as string) : NaN;
      if (Number.isNaN(t)) return true; // an unparseable timestamp reaches the pipeline, which quarantines it
      return (!since || t >= Date.parse(since)) && (!until || t < Date.parse(until));
    });
    const p = http.pagination;
    let page: DemoRecord[];
    const body: Record<string, unknown> = {};
    const link = (params: Record<string, string | number>) => {
      const next = new URL(url.href);
      for (const [k, v] of Object.entries(params)) next.searchParams.set(k, String(v));
      return next.pathname + next.search;
    };
    switch (p.style) {
      case 'page': {
        const number = Number(url.searchParams.get(p.pageParam) ?? p.firstPage);
        const size = Number(url.searchParams.get(p.pageSizeParam) ?? p.pageSize);
        page = inWindow.slice((number - p.firstPage) * size, (number - p.firstPage + 1) * size);
        if (p.totalPagesPath) setPath(body, p.totalPagesPath, Math.ceil(inWindow.length / size));
        break;
      }
      case 'offset': {
        const offset = Number(url.searchParams.get(p.offsetParam) ?? 0);
        const limit = Number(url.searchParams.get(p.limitParam) ?? p.limit);
        page = inWindow.slice(offset, offset + limit);
        if (p.totalPath) setPath(body, p.totalPath, inWindow.length);
        break;
      }
      case 'cursor': {
        const offset = Number(Buffer.from(url.searchParams.get(p.cursorParam) ?? '', 'base64url').toString() || 0);
        const size = Number(url.searchParams.get(p.pageSizeParam) ?? p.pageSize);
        page = inWindow.slice(offset, offset + size);
        const more = offset + size < inWindow.length;
        setPath(body, p.nextCursorPath, more ? Buffer.from(String(offset + size)).toString('base64url') : null);
        break;
      }
      case 'link': {
        const offset = Number(url.searchParams.get('from_row') ?? 0);
        const size = 50;
        page = inWindow.slice(offset, offset + size);
        setPath(body, p.nextLinkPath, offset + size < inWindow.length ? link({ from_row: offset + size }) : null);
        break;
      }
    }
    if (http.recordsPath === '') return send(200, page);
    setPath(body, http.recordsPath, page);
    return send(200, body);
  };

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    token,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
