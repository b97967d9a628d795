// The demo's daily aggregate (operations, distinct operations, total and mean amount by status and currency)
// refreshed over one gold partition of 1,000,000 rows: DuckDB runs the aggregate SQL over the local catalog,
// the rows are written as Parquet and published; then a rerun, which computes the same rows and publishes nothing.
// Usage: npm run bench -- aggregates   (ROWS=200000 for a quicker run)
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
const DAY = '20240119';
const config = parsePipelineConfig(defaultPipelineConfig);
const consolidation = config.consolidations[0]!;
const table = goldTable(config, consolidation);

/** The day's gold rows: 4 statuses x 3 currencies, amounts in cents up to a million, a tenth of the operations twice. */
function goldColumns(): Record<string, CellValue[]> {
  let seed = 4242;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  const base = Date.UTC(2024, 0, 19) * 1000;
  const data: Record<string, CellValue[]> = Object.fromEntries(table.columns.map((c) => [c.name, new Array<CellValue>(ROWS).fill(null)]));
  const status = ['ATIVA', 'LIQUIDADA', 'CANCELADA', 'PENDENTE'];
  const moedas = ['BRL', 'USD', 'EUR'];
  for (let i = 0; i < ROWS; i++) {
    data.num_oper![i] = `OP${String(i % Math.ceil(ROWS * 0.9)).padStart(10, '0')}`;
    data.cod_idef_ver_oper![i] = i < ROWS * 0.9 ? 0 : 1;
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

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-aggregates-'));
  const gold = new FsObjectStore(join(dir, 'gold'));
  const catalog = new JsonCatalog(join(dir, 'catalog.json'));
  const engine = await DuckDbQueryEngine.open({ catalog, resolve: (location) => fileURLToPath(location) });
  try {
    const prefix = goldLayout.versionPrefix(consolidation.database, consolidation.tabela_consolidada, DAY, 'bench', 'v1');
    const bytes = writeColumns({ columns: table.columns, data: goldColumns(), rowCount: ROWS });
    await gold.put(`${prefix}part-00000.snappy.parquet`, bytes);
    const { database, name, columns, partitionKeys } = table;
    await catalog.ensureTable({ database, name, location: folderUri(gold, table.prefix), columns, partitionKeys });
    await catalog.upsertPartition(database, name, { anomesdia: DAY }, folderUri(gold, prefix));
    const deps = {
      config,
      gold,
      catalog,
      versions: new MemoryPartitionVersions(),
      query: (sql: string) => engine.query(sql),
      dialect: 'duckdb' as const,
    };
    const request = { database: consolidation.database, tabela: consolidation.tabela_consolidada, anomesdias: [DAY] };
    for (const run of ['first', 'rerun']) {
      const cpu = cpuMs();
      const started = performance.now();
      const [result] = await refreshAggregates(deps, { ...request, runId: run });
      const wall = performance.now() - started;
      console.log(
        `${run}: ${ROWS.toLocaleString('en')} gold rows (${(bytes.byteLength / 1e6).toFixed(1)} MB Parquet) -> ${result!.rows_written} aggregate rows ` +
          `in ${wall.toFixed(0)} ms wall, ${(cpuMs() - cpu).toFixed(0)} ms CPU (this process and DuckDB's threads); ` +
          `versions published: ${(await deps.versions.get(partitionKey('gold', database, result!.table, { anomesdia: DAY })))?.version}`,
      );
    }
    console.log(`peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
  } finally {
    engine.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
