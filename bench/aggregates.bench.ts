// The demo's daily aggregate (operations, distinct operations, total and mean amount by status and currency)
// refreshed over one gold partition of 1,000,000 rows: DuckDB runs the aggregate SQL over the local catalog,
// the rows are written as Parquet and published; then a rerun, which computes the same rows and publishes nothing.
// Then a backfill's year: 366 gold partitions of DAY_ROWS rows each refreshed in one request, and its rerun.
// Usage: npm run bench -- aggregates   (ROWS=200000 for a quicker run; DAYS=90, DAY_ROWS=100 for the year's case)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDbQueryEngine } from '../lambdas/adapters/local/duckdb-query-engine.js';
import { FsObjectStore } from '../lambdas/adapters/local/fs-object-store.js';
import { JsonCatalog } from '../lambdas/adapters/local/json-catalog.js';
import type { CellValue } from '../lambdas/core/columnar/types.js';
import { writeColumns } from '../lambdas/core/columnar/writer.js';
import { parsePipelineConfig } from '../lambdas/core/config.js';
import { defaultPipelineConfig } from '../lambdas/core/default-config.js';
import { refreshAggregates } from '../lambdas/core/gold/refresh-aggregates.js';
import { folderUri, partitionKey } from '../lambdas/core/lake/publication.js';
import { goldLayout, goldTable } from '../lambdas/core/lake/layout.js';
import { MemoryPartitionVersions } from '../test/support/memory-partition-versions.js';

const ROWS = Number(process.env.ROWS ?? 1_000_000);
const DAYS = Number(process.env.DAYS ?? 366);
const DAY_ROWS = Number(process.env.DAY_ROWS ?? 1_000);
const DAY = '20240119';
const config = parsePipelineConfig(defaultPipelineConfig);
const consolidation = config.consolidations[0]!;
const table = goldTable(config, consolidation);

/** A day's gold rows: 4 statuses x 3 currencies, amounts in cents up to a million, a tenth of the operations twice. */
function goldColumns(rows: number, day = Date.UTC(2024, 0, 19), seed = 4242): Record<string, CellValue[]> {
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  const base = day * 1000;
  const data: Record<string, CellValue[]> = Object.fromEntries(table.columns.map((c) => [c.name, new Array<CellValue>(rows).fill(null)]));
  const status = ['ATIVA', 'LIQUIDADA', 'CANCELADA', 'PENDENTE'];
  const moedas = ['BRL', 'USD', 'EUR'];
  for (let i = 0; i < rows; i++) {
    data.num_oper![i] = `OP${String(i % Math.ceil(rows * 0.9)).padStart(10, '0')}`;
    data.cod_idef_ver_oper![i] = i < rows * 0.9 ? 0 : 1;
    data.dat_vlr_even_oper![i] = base + Math.floor(rnd() * 86_400_000_000);
    data.vlr_oper![i] = BigInt(Math.round(rnd() * 1e8));
    data.cod_moed![i] = moedas[i % 3]!;
    data.des_stat_oper![i] = status[Math.floor(rnd() * 4)]!;
    data.updated_at![i] = base;
    data.origem![i] = i % 2 === 0 ? 'sor' : 'sot';
  }
  return data;
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** A local lake (file-system gold, JSON catalog, DuckDB) with the gold table declared, and refreshAggregates' deps over it. */
async function openLake() {
  const dir = await mkdtemp(join(tmpdir(), 'bench-aggregates-'));
  const gold = new FsObjectStore(join(dir, 'gold'));
  const catalog = new JsonCatalog(join(dir, 'catalog.json'));
  const engine = await DuckDbQueryEngine.open({ catalog, resolve: (location) => fileURLToPath(location) });
  const { database, name, columns, partitionKeys } = table;
  await catalog.ensureTable({ database, name, location: folderUri(gold, table.prefix), columns, partitionKeys });
  let queries = 0;
  const deps = {
    config,
    gold,
    catalog,
    versions: new MemoryPartitionVersions(),
    query: (sql: string) => (queries++, engine.query(sql)),
    dialect: 'duckdb' as const,
  };
  return {
    deps,
    queries: () => queries,
    /** Writes a day's gold partition of `rows` rows and registers it; returns its Parquet size. */
    async goldDay(anomesdia: string, rows: number, seed: number): Promise<number> {
      const prefix = goldLayout.versionPrefix(consolidation.database, consolidation.tabela_consolidada, anomesdia, 'bench', 'v1');
      const day = Date.UTC(Number(anomesdia.slice(0, 4)), Number(anomesdia.slice(4, 6)) - 1, Number(anomesdia.slice(6)));
      const bytes = writeColumns({ columns: table.columns, data: goldColumns(rows, day, seed), rowCount: rows });
      await gold.put(`${prefix}part-00000.snappy.parquet`, bytes);
      await catalog.upsertPartition(database, name, { anomesdia }, folderUri(gold, prefix));
      return bytes.byteLength;
    },
    async close() {
      engine.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A first refresh of `anomesdias`, then a rerun (same rows: nothing published); wall and CPU of each. */
async function refreshTwice(lake: Awaited<ReturnType<typeof openLake>>, anomesdias: string[], describe: (rows: number) => string) {
  const request = { database: consolidation.database, tabela: consolidation.tabela_consolidada, anomesdias };
  for (const run of ['first', 'rerun']) {
    const cpu = cpuMs();
    const queries = lake.queries();
    const started = performance.now();
    const results = await refreshAggregates(lake.deps, { ...request, runId: run });
    const wall = performance.now() - started;
    const last = anomesdias.at(-1)!;
    const version = (await lake.deps.versions.get(partitionKey('gold', table.database, results[0]!.table, { anomesdia: last })))?.version;
    console.log(
      `${run}: ${describe(results.reduce((n, r) => n + r.rows_written, 0))} in ${wall.toFixed(0)} ms wall, ${(cpuMs() - cpu).toFixed(0)} ms CPU ` +
        `(this process and DuckDB's threads), ${lake.queries() - queries} queries; versions published of ${last}: ${version}`,
    );
  }
}

async function main(): Promise<void> {
  const one = await openLake();
  try {
    const bytes = await one.goldDay(DAY, ROWS, 4242);
    await refreshTwice(
      one,
      [DAY],
      (rows) => `${ROWS.toLocaleString('en')} gold rows (${(bytes / 1e6).toFixed(1)} MB Parquet) -> ${rows} aggregate rows`,
    );
  } finally {
    await one.close();
  }
  const year = await openLake();
  try {
    const days = Array.from({ length: DAYS }, (_, i) => new Date(Date.UTC(2023, 2, 15 + i)).toISOString().slice(0, 10).replaceAll('-', ''));
    for (const [i, day] of days.entries()) await year.goldDay(day, DAY_ROWS, 4242 + i);
    await refreshTwice(
      year,
      days,
      (rows) => `${DAYS} days of ${DAY_ROWS.toLocaleString('en')} gold rows (${days[0]}..${days.at(-1)}) -> ${rows} aggregate rows`,
    );
  } finally {
    await year.close();
  }
  console.log(`peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
}

await main();
