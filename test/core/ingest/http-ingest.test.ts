import { describe, expect, it } from 'vitest';
import { startPaginatedApi, type PaginatedApi, type PaginatedApiOptions } from '../../../local/paginated-api.js';
import { ingestSource, readRunManifests } from '../../../lambdas/core/ingest/ingest-source.js';
import {
  ForeignLinkError,
  HttpStatusError,
  HttpTimeoutError,
  MalformedPageError,
  PaginationLimitError,
  PaginationLoopError,
} from '../../../lambdas/core/ingest/errors.js';
import type { FsObjectStore } from '../../../lambdas/adapters/local/fs-object-store.js';
import type { PipelineConfig } from '../../../lambdas/core/config.js';
import { TOKEN, committedBronze, httpConfig, listKeys, operation, secrets, startJsonServer, window } from './support.js';
import { tempStoreEachTest } from '../../support/temp-store.js';

let store: FsObjectStore;
const apis = tempStoreEachTest((temp) => (store = temp.store));

async function api(options: Partial<PaginatedApiOptions> & Pick<PaginatedApiOptions, 'style'>): Promise<PaginatedApi> {
  const started = await startPaginatedApi({ total: 1_234, record: operation, token: TOKEN, window: { field: 'updated_at' }, ...options });
  apis.push(started);
  return started;
}

function run(config: PipelineConfig, runId = 'run-1') {
  return ingestSource({ config, bronze: store, secrets }, { runId, source: 'ops', window });
}

async function expectAllRecordsOnce(total: number) {
  const lines = await committedBronze(store, 'ops');
  const ids = lines.map((l) => l.line.record.num_oper as string);
  expect(ids.length).toBe(total);
  expect(new Set(ids).size).toBe(total);
}

describe('ingestSource over HTTP (real local server)', () => {
  it('follows page-number pagination with pages in flight and commits every record once', async () => {
    const a = await api({ style: 'page', totalPagesPath: 'meta.total_pages' });
    const result = await run(httpConfig(a.url, { style: 'page', pageSize: 100, totalPagesPath: 'meta.total_pages' }));
    expect(result).toMatchObject({
      records_seen: 1_234,
      records_new: 1_234,
      records_duplicate: 0,
      pages: 13,
      rows_read: 1_234,
      rows_written: 1_234,
    });
    expect(result.anomesdias).toEqual(['20240119', '20240120']);
    expect(result.watermark_candidate).toBe(window.to);
    await expectAllRecordsOnce(1_234);
    // The window travels as query parameters; the token as the bearer header (no 401 happened).
    expect(a.log[0]).toContain('updated_since=2024-01-19T00%3A00%3A00.000Z');
  });

  it('follows page-number pagination to a short last page when the API gives no total', async () => {
    const a = await api({ style: 'page' });
    const result = await run(httpConfig(a.url, { style: 'page', pageSize: 100 }));
    expect(result.records_seen).toBe(1_234);
    await expectAllRecordsOnce(1_234);
  });

  it('follows offset pagination, also when the API caps the page below the asked limit', async () => {
    const a = await api({ style: 'offset', totalPath: 'total', maxPageSize: 70 });
    const result = await run(httpConfig(a.url, { style: 'offset', limit: 100, totalPath: 'total' }));
    expect(result.records_seen).toBe(1_234);
    await expectAllRecordsOnce(1_234);
  });

  it('follows cursor pagination until the cursor is null', async () => {
    const a = await api({ style: 'cursor', recordsPath: 'items' });
    const result = await run(httpConfig(a.url, { style: 'cursor', pageSize: 200 }, { recordsPath: 'items' }));
    expect(result.pages).toBe(7);
    await expectAllRecordsOnce(1_234);
  });

  it('follows next links in the body and in an RFC 8288 Link header', async () => {
    const body = await api({ style: 'link', pageSize: 300 });
    expect((await run(httpConfig(body.url, { style: 'link' }))).records_seen).toBe(1_234);
    await expectAllRecordsOnce(1_234);
    const header = await api({ style: 'link', pageSize: 300, linkHeader: true });
    const again = await run(httpConfig(header.url, { style: 'link', nextLinkPath: 'nothing.here' }), 'run-2');
    expect(again).toMatchObject({ records_seen: 1_234, records_new: 0, pages: 5 });
  });

  it('waits as long as Retry-After asks on a 429, then succeeds', async () => {
    const a = await api({ style: 'page', faults: [{ page: 1, kind: 'status', status: 429, retryAfter: '1' }] });
    const warnings: Record<string, unknown>[] = [];
    const log = {
      info: () => undefined,
      error: () => undefined,
      warn: (_m: string, attrs?: Record<string, unknown>) => void warnings.push(attrs ?? {}),
    };
    const started = Date.now();
    const result = await ingestSource(
      { config: httpConfig(a.url, { style: 'page', pageSize: 100 }), bronze: store, secrets, log },
      { runId: 'r429', source: 'ops', window },
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(result.records_seen).toBe(1_234);
    expect(warnings).toEqual([expect.objectContaining({ retryAfterMs: 1_000, attempt: 1 })]);
  });

  it('retries a 500 and succeeds', async () => {
    const a = await api({ style: 'cursor', faults: [{ page: 2, kind: 'status', status: 500, times: 2 }] });
    const result = await run(httpConfig(a.url, { style: 'cursor', pageSize: 200 }, { recordsPath: 'data' }));
    expect(result.records_seen).toBe(1_234);
    await expectAllRecordsOnce(1_234);
  });

  it('fails with HttpStatusError after the last attempt, and at once on a 401', async () => {
    const a = await api({ style: 'page', faults: [{ page: 0, kind: 'status', status: 503, times: 10 }] });
    await expect(run(httpConfig(a.url, { style: 'page' }))).rejects.toThrow(HttpStatusError);
    expect(a.requests()).toBe(3);
    const b = await api({ style: 'page', token: 'another' });
    await expect(run(httpConfig(b.url, { style: 'page' }))).rejects.toThrow(/HTTP 401 after 1 attempt.*authSecretName/);
    expect(b.requests()).toBe(1);
  });

  it('times out a page that never answers, retries it, and names the URL when it never does', async () => {
    const once = await api({ style: 'cursor', faults: [{ page: 1, kind: 'hang' }] });
    const ok = await run(httpConfig(once.url, { style: 'cursor', pageSize: 200 }, { timeoutMs: 300 }));
    expect(ok.records_seen).toBe(1_234);
    const always = await api({ style: 'cursor', faults: [{ page: 0, kind: 'hang', times: 10 }] });
    const failure = run(httpConfig(always.url, { style: 'cursor', pageSize: 200 }, { timeoutMs: 200 }), 'run-2');
    await expect(failure).rejects.toThrow(HttpTimeoutError);
    await expect(failure).rejects.toThrow(/127\.0\.0\.1.*did not answer within 200 ms \(3 attempts\)/);
  });

  it('stops at a malformed page with an error naming the page and URL, and commits nothing', async () => {
    const a = await api({ style: 'page', faults: [{ page: 3, kind: 'malformed' }] });
    const failure = run(httpConfig(a.url, { style: 'page', pageSize: 100 }));
    await expect(failure).rejects.toThrow(MalformedPageError);
    await expect(failure).rejects.toThrow(/page 4 \(http:\/\/127\.0\.0\.1:\d+\/records\?.*page=4.*\) is malformed: not JSON/);
    expect(await readRunManifests(store, 'ops', 'run-1')).toEqual([]);
    expect(await committedBronze(store, 'ops')).toEqual([]);
    // A record that is not an object is malformed too.
    const b = await api({ style: 'cursor', faults: [{ page: 0, kind: 'malformed', body: '{"data":[{"a":1},7],"next_cursor":null}' }] });
    await expect(run(httpConfig(b.url, { style: 'cursor' }))).rejects.toThrow(/data\.1: expected every record to be a JSON object/);
  });

  it('stops endless pagination at the page guard in every style', async () => {
    for (const style of ['page', 'offset', 'cursor', 'link'] as const) {
      const a = await api({ style, endless: true, pageSize: 50 });
      const pagination =
        style === 'page'
          ? { style, pageSize: 50 }
          : style === 'offset'
            ? { style, limit: 50 }
            : style === 'cursor'
              ? { style, pageSize: 50 }
              : { style };
      await expect(run(httpConfig(a.url, pagination, { maxPages: 5 }), `run-${style}`), style).rejects.toThrow(PaginationLimitError);
      expect(a.requests(), style).toBeLessThan(20);
    }
    expect(await listKeys(store, 'source=ops/_manifests/')).toEqual([]);
  });

  it('fails an API that serves the same records for every page within two pages, in every style, naming the pages and URLs and committing nothing', async () => {
    const short = [operation(1), operation(2), operation(3)];
    const full = Array.from({ length: 50 }, (_, i) => operation(i));
    const cases = [
      { style: 'page', records: short, pagination: { style: 'page', pageSize: 100 }, param: 'the page parameter "page"' },
      { style: 'page', records: full, pagination: { style: 'page', pageSize: 50 }, param: 'the page parameter "page"' },
      { style: 'offset', records: short, pagination: { style: 'offset', limit: 100 }, param: 'the offset parameter "offset"' },
      { style: 'offset', records: full, pagination: { style: 'offset', limit: 50 }, param: 'the offset parameter "offset"' },
      { style: 'cursor', records: full, pagination: { style: 'cursor', pageSize: 50 }, param: 'the cursor parameter "cursor"' },
      { style: 'link', records: full, pagination: { style: 'link' }, param: 'the next link it gives' },
    ] as const;
    for (const [i, c] of cases.entries()) {
      // Every request gets the same records; cursors and links move on, so only the content shows the loop.
      const server = await startJsonServer((_url, n) => ({
        body: { data: c.records, next_cursor: `c${n}`, links: { next: `/records?after=${n}` } },
      }));
      apis.push(server);
      const failure = run(httpConfig(server.url, c.pagination), `loop-${i}`);
      await expect(failure, c.style).rejects.toThrow(PaginationLoopError);
      const error = (await failure.catch((e: unknown) => e)) as PaginationLoopError;
      expect(error.message).toMatch(
        new RegExp(
          `^Source "ops" page 2 \\(http://127\\.0\\.0\\.1:\\d+/records\\?[^)]*\\) holds the same ${c.records.length} records as page 1 \\(http://127\\.0\\.0\\.1:\\d+/records\\?[^)]*\\); the API seems to ignore ${c.param}: the API's pagination loops`,
        ),
      );
      expect(error.message).toContain('nothing of this run was committed to bronze');
      // Page 2 and the pages fetched ahead of it (limits.httpPagesInFlight), not maxPagesPerRun of them.
      expect(server.requests(), c.style).toBeLessThanOrEqual(2 + 8);
    }
    expect(await listKeys(store, 'source=ops/_manifests/')).toEqual([]);
    expect(await committedBronze(store, 'ops')).toEqual([]);
  });

  it('takes empty pages with a next cursor as they come, and two different pages holding some of the same records', async () => {
    const pages = [[], [], [operation(1), operation(2)], [operation(2), operation(3)], []];
    const server = await startJsonServer((url) => {
      const at = Number(url.searchParams.get('cursor') ?? 0);
      return { body: { data: pages[at], next_cursor: at + 1 < pages.length ? String(at + 1) : null } };
    });
    apis.push(server);
    const result = await run(httpConfig(server.url, { style: 'cursor', pageSize: 2 }));
    expect(result).toMatchObject({ pages: 5, records_seen: 4, records_new: 3, records_duplicate: 1 });
  });

  it('reports records dated after the clock, and advances the watermark to the window end, or to the clock when the window ends later', async () => {
    const future = { ...operation(2), updated_at: '2099-01-01T00:00:00Z' };
    const server = await startJsonServer((url) => ({
      body: { data: url.searchParams.get('page') === '1' ? [operation(1), future, operation(3)] : [] },
    }));
    apis.push(server);
    const clock = () => new Date('2024-01-20T12:00:00Z');
    const result = await ingestSource(
      { config: httpConfig(server.url, { style: 'page', pageSize: 10 }), bronze: store, secrets, clock },
      { runId: 'f1', source: 'ops', window },
    );
    // The window (to 2024-01-21) ends after the clock: the clock bounds the watermark.
    expect(result.watermark_candidate).toBe('2024-01-20T12:00:00.000Z');
    expect(result.message).toContain('1 record(s) dated after the run started (2024-01-20T12:00:00.000Z), listed in the manifest');
    const [manifest] = await readRunManifests(store, 'ops', 'f1');
    expect(manifest!.future_records).toEqual({
      after: '2024-01-20T12:00:00.000Z',
      count: 1,
      listed: [{ at: 'page 1 record 2', value: '2099-01-01T00:00:00Z' }],
    });
    // The record is kept in bronze: Refine decides what a valid row is.
    expect(result.records_new).toBe(3);
  });

  it('rejects a cursor that points back to an earlier page', async () => {
    const a = await api({
      style: 'cursor',
      faults: [{ page: 1, kind: 'malformed', body: JSON.stringify({ data: [{ x: 1 }], next_cursor: 'MjAw' }) }],
    });
    await expect(run(httpConfig(a.url, { style: 'cursor', pageSize: 200 }))).rejects.toThrow(PaginationLoopError);
  });

  it('refuses a next link to another origin (the token would leak) and a link back to a fetched page', async () => {
    const foreign = await api({
      style: 'link',
      faults: [{ page: 0, kind: 'malformed', body: JSON.stringify({ data: [{ x: 1 }], links: { next: 'http://evil.example/records' } }) }],
    });
    await expect(run(httpConfig(foreign.url, { style: 'link' }))).rejects.toThrow(ForeignLinkError);
    const loop = await api({
      style: 'link',
      faults: [
        {
          page: 0,
          kind: 'malformed',
          body: JSON.stringify({
            data: [{ x: 1 }],
            links: { next: '/records?updated_since=2024-01-19T00%3A00%3A00.000Z&updated_until=2024-01-21T00%3A00%3A00.000Z' },
          }),
        },
      ],
    });
    await expect(run(httpConfig(loop.url, { style: 'link' }))).rejects.toThrow(PaginationLoopError);
  });

  it('writes no new bronze records when the same window runs again, under the same or another run id', async () => {
    const a = await api({ style: 'page' });
    const config = httpConfig(a.url, { style: 'page', pageSize: 100 });
    const first = await run(config);
    const before = await committedBronze(store, 'ops');
    const sameId = await run(config);
    const otherId = await run(config, 'run-2');
    for (const again of [sameId, otherId])
      expect(again).toMatchObject({ records_seen: 1_234, records_new: 0, records_duplicate: 1_234, anomesdias: first.anomesdias });
    expect(await committedBronze(store, 'ops')).toEqual(before);
    // Every attempt keeps its own manifest.
    expect((await readRunManifests(store, 'ops', 'run-1')).map((m) => m.attempt)).toEqual([1, 2]);
  });

  it('writes a manifest with the window, pages, counts and content digests', async () => {
    const a = await api({ style: 'page' });
    const result = await run(httpConfig(a.url, { style: 'page', pageSize: 500 }));
    const [manifest] = await readRunManifests(store, 'ops', 'run-1');
    expect(manifest).toMatchObject({
      source: 'ops',
      runId: 'run-1',
      window,
      pages: 3,
      records_seen: 1_234,
      records_new: 1_234,
      watermark_candidate: window.to,
    });
    expect(manifest!.partitions.map((p) => p.anomesdia)).toEqual(['20240119', '20240120']);
    expect(manifest!.partitions.every((p) => /^[0-9a-f]{64}$/.test(p.digest ?? ''))).toBe(true);
    expect(result.objects.at(-1)).toBe(result.manifest);
  });

  it('reports progress per page with the total the API gives, and the outcome', async () => {
    const a = await api({ style: 'offset', totalPath: 'total' });
    const events: string[] = [];
    const progress = {
      start: (source: string, info: { kind: string }) => void events.push(`start ${source} ${info.kind}`),
      update: (source: string, s: { pages: number; records: number; totalRecords?: number }) =>
        void events.push(`update ${source} ${s.pages} ${s.records}/${s.totalRecords}`),
      finish: (source: string, o: { status: string; records: number }) => void events.push(`finish ${source} ${o.status} ${o.records}`),
    };
    await ingestSource(
      { config: httpConfig(a.url, { style: 'offset', limit: 500, totalPath: 'total' }), bronze: store, secrets, progress },
      { runId: 'p1', source: 'ops', window },
    );
    expect(events).toEqual([
      'start ops http',
      'update ops 1 500/1234',
      'update ops 2 1000/1234',
      'update ops 3 1234/1234',
      'finish ops SUCCEEDED 1234',
    ]);
  });
});
