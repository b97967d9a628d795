// Ingestion benchmark: a local paginated API (500 records a page, 20 ms a page) served from a worker
// thread, fetched into bronze on the file system, then refined to silver. Prints records/s into bronze
// (page-number pagination, pages in flight), rows/s bronze -> silver, peak RSS at 250k and 1M records,
// and the cursor-pagination figure (sequential pages: 20 ms a page bounds it at 25,000 records/s).
// Usage: npm run bench -- ingest   (BENCH_RECORDS=200000 for a quick run)
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsObjectStore } from '../lambdas/adapters/local/fs-object-store.js';
import { parsePipelineConfig, type PipelineConfig } from '../lambdas/core/config.js';
import { defaultPipelineConfig } from '../lambdas/core/default-config.js';
import { ingestSource } from '../lambdas/core/ingest/ingest-source.js';
import { refineSource } from '../lambdas/core/refine/refine-source.js';
import type { RunWindow } from '../lambdas/core/window.js';
import type { Catalog } from '../lambdas/ports/catalog.js';
import { startPaginatedApi, type PaginationStyle } from '../local/paginated-api.js';
import { MemoryPartitionVersions } from '../test/support/memory-partition-versions.js';

const DAY = 86_400_000;
const START = Date.UTC(2024, 0, 1);
const DAYS = 10;

/** Operation i, as the sor API delivers it; spread over DAYS days. */
function operation(i: number): Record<string, unknown> {
  const t = START + Math.floor((i * 7919) % (DAYS * DAY * 0.999));
  return {
    num_oper: `OP${String(i).padStart(9, '0')}`,
    cod_idef_ver_oper: i % 7,
    dat_vlr_even_oper: new Date(t).toISOString(),
    num_prio_even_oper: i % 3,
    dat_recm_even_oper: new Date(t + 60_000).toISOString(),
    vlr_oper: ((i * 37) % 10_000_000) / 100,
    cod_moed: i % 5 === 0 ? 'USD' : 'BRL',
    des_stat_oper: i % 11 === 0 ? 'CANCELADA' : 'ATIVA',
    updated_at: new Date(t + 120_000).toISOString(),
  };
}

async function serve(style: PaginationStyle, total: number): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = fork(fileURLToPath(import.meta.url), ['serve', style, String(total)], { execArgv: ['--import', 'tsx'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve(String(m)));
    child.once('error', reject);
  });
  return {
    url,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.send('stop');
      await exited;
    },
  };
}

function config(endpoint: string, style: PaginationStyle): PipelineConfig {
  const sor = defaultPipelineConfig.sources[0]!;
  const pagination = style === 'cursor' ? { style, pageSize: 500 } : { style: 'page' as const, pageSize: 500 };
  return parsePipelineConfig({
    ...defaultPipelineConfig,
    sources: [{ ...sor, http: { ...sor.http!, endpoint, pagination, authSecretName: undefined } }],
    consolidations: [],
    limits: { httpPagesInFlight: Number(process.env.BENCH_IN_FLIGHT ?? 16), maxPagesPerRun: 1_000_000 },
  });
}

const window: RunWindow = {
  mode: 'backfill',
  from: new Date(START).toISOString(),
  to: new Date(START + DAYS * DAY).toISOString(),
  anomesdias: [],
};
const noSecrets = { getSecret: async () => '' };
const catalog: Catalog = {
  getTable: async () => {
    throw new Error('not used');
  },
  ensureTable: async () => undefined,
  getPartitionLocation: async () => undefined,
  upsertPartition: async () => undefined,
};

let peakRss = 0;
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50).unref();

/**
 * Records/s of the plainest sequential client (fetch, parse, follow the cursor; no storage) against the
 * same server: what sequential pages can reach here once the server's timer and HTTP are paid.
 */
async function bareCursorClient(url: string): Promise<number> {
  const started = performance.now();
  let records = 0;
  let cursor: string | null = null;
  do {
    const response = await fetch(`${url}?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
    const body = JSON.parse(Buffer.from(await response.arrayBuffer()).toString('utf8')) as { data: unknown[]; next_cursor: string | null };
    records += body.data.length;
    cursor = body.next_cursor;
  } while (cursor);
  return records / ((performance.now() - started) / 1000);
}

async function bronzeRun(root: string, style: PaginationStyle, total: number, runId: string, before?: (url: string) => Promise<void>) {
  const api = await serve(style, total);
  try {
    await before?.(api.url);
    const cfg = config(api.url, style);
    const started = performance.now();
    const cpu = process.cpuUsage();
    const result = await ingestSource(
      { config: cfg, bronze: new FsObjectStore(join(root, 'bronze')), secrets: noSecrets },
      { runId, source: 'sor', window },
    );
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    if (result.records_seen !== total) throw new Error(`expected ${total} records, got ${result.records_seen}`);
    return { cfg, result, seconds, rate: total / seconds, cpuSeconds: (used.user + used.system) / 1e6 };
  } finally {
    await api.stop();
  }
}

/** Expectations every benchmark row meets: one of each row rule. */
const BENCH_EXPECTATIONS = [
  { name: 'oper_set', not_null: 'num_oper' },
  { name: 'oper_version_unique', unique: ['num_oper', 'cod_idef_ver_oper'] },
  { name: 'known_currency', accepted_values: { field: 'cod_moed', values: ['BRL', 'USD'] } },
  { name: 'value_not_negative', range: { field: 'vlr_oper', min: 0 } },
  { name: 'oper_form', regex: { field: 'num_oper', pattern: '^OP\\d{9}$' } },
];

/** Refines the run's bronze (under root) into a silver folder of its own, timed; every row must reach silver. */
async function timedRefine(root: string, cfg: PipelineConfig, runId: string, anomesdias: string[], total: number) {
  global.gc?.();
  const started = performance.now();
  const cpu = process.cpuUsage();
  const refined = await refineSource(
    {
      config: cfg,
      bronze: new FsObjectStore(join(root, 'bronze')),
      silver: new FsObjectStore(join(root, `silver-${runId}`)),
      catalog,
      versions: new MemoryPartitionVersions(),
    },
    { runId, source: 'sor', window, anomesdias },
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  if (refined.rows_written !== total) throw new Error(`expected ${total} silver rows, got ${refined.rows_written}`);
  return { seconds, rate: refined.rows_read / seconds, cpuSeconds: (used.user + used.system) / 1e6 };
}

async function main() {
  const total = Number(process.env.BENCH_RECORDS ?? 1_000_000);
  const root = await mkdtemp(join(tmpdir(), 'bench-ingest-'));
  try {
    const small = await bronzeRun(join(root, 'small'), 'page', Math.min(250_000, total), 'small');
    console.log(
      `page pagination, ${small.result.records_seen} records: ${Math.round(small.rate)} records/s into bronze (${small.result.pages} pages in ${small.seconds.toFixed(1)} s, ${small.cpuSeconds.toFixed(1)} CPU s in this process); peak RSS ${mb(peakRss)}`,
    );
    await rm(join(root, 'small'), { recursive: true, force: true });
    global.gc?.();
    const big = await bronzeRun(root, 'page', total, 'big');
    console.log(
      `page pagination, ${big.result.records_seen} records: ${Math.round(big.rate)} records/s into bronze (${big.result.pages} pages in ${big.seconds.toFixed(1)} s, ${big.cpuSeconds.toFixed(1)} CPU s in this process); peak RSS ${mb(peakRss)}`,
    );
    console.log(`bronze: ${Math.round(big.rate)} records/s (goal >= 50000)`);

    const refined = await timedRefine(root, big.cfg, 'big', big.result.anomesdias, total);
    console.log(
      `silver: ${Math.round(refined.rate)} rows/s bronze -> silver (${total} rows in ${big.result.anomesdias.length} partitions, ${refined.seconds.toFixed(1)} s, ${refined.cpuSeconds.toFixed(1)} CPU s; goal >= 100000); peak RSS ${mb(peakRss)}`,
    );
    // The same bronze refined with five expectations that every row meets (so each row is checked by each and
    // none is dropped), then once more without: the cost of the expectations beside the plain refine's own noise.
    const sor = big.cfg.sources[0]!;
    const checked = parsePipelineConfig({ ...big.cfg, sources: [{ ...sor, expectations: BENCH_EXPECTATIONS }] });
    const withExpectations = await timedRefine(root, checked, 'checked', big.result.anomesdias, total);
    const again = await timedRefine(root, big.cfg, 'again', big.result.anomesdias, total);
    console.log(
      `silver with ${BENCH_EXPECTATIONS.length} expectations: ${Math.round(withExpectations.rate)} rows/s (${withExpectations.seconds.toFixed(1)} s, ` +
        `${withExpectations.cpuSeconds.toFixed(1)} CPU s); without, again: ${Math.round(again.rate)} rows/s (${again.seconds.toFixed(1)} s, ${again.cpuSeconds.toFixed(1)} CPU s)`,
    );

    const cursorTotal = Math.min(200_000, total);
    let bare = 0;
    const cursor = await bronzeRun(
      join(root, 'cursor'),
      'cursor',
      cursorTotal,
      'cursor',
      async (url) => void (bare = await bareCursorClient(url)),
    );
    console.log(
      `cursor pagination, ${cursorTotal} records: ${Math.round(cursor.rate)} records/s into bronze (sequential pages, bound 25000 records/s; ` +
        `a bare fetch-and-parse loop on the same server reaches ${Math.round(bare)} records/s, so the pipeline gets ${Math.round((100 * cursor.rate) / bare)}% of what sequential pages allow here)`,
    );
    console.log(`peak RSS ${mb(peakRss)}`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'serve') {
  // The API runs in its own process on the second core, as a remote API would run elsewhere.
  const api = await startPaginatedApi({
    style: process.argv[3] as PaginationStyle,
    total: Number(process.argv[4]),
    record: operation,
    pageSize: 500,
    maxPageSize: 500,
    latencyMs: 20,
    recordsPath: 'data',
  });
  process.send!(api.url);
  process.once('message', () => void api.stop().then(() => process.exit(0)));
} else {
  await main();
}
