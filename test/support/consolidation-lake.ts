// A local lake for consolidation tests: silver and gold folders, the JSON catalog, the congregado table
// on dynalite, DuckDB over the catalog (the local Athena), and a writer of silver partitions.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoCongregadoStore } from '../../lambdas/adapters/aws/dynamodb-congregado-store.js';
import { DuckDbQueryEngine } from '../../lambdas/adapters/local/duckdb-query-engine.js';
import { FsObjectStore } from '../../lambdas/adapters/local/fs-object-store.js';
import { JsonCatalog } from '../../lambdas/adapters/local/json-catalog.js';
import type { PipelineConfig } from '../../lambdas/core/config.js';
import type { CellValue } from '../../lambdas/core/columnar/types.js';
import type { ConsolidateTableDeps, ConsolidateTableRequest, ConsolidateTableResult } from '../../lambdas/core/consolidate/types.js';
import { consolidateTable } from '../../lambdas/core/consolidate/consolidate-table.js';
import { silverLayout, silverTable } from '../../lambdas/core/lake/layout.js';
import { startTestDynamo, type TestDynamo } from './dynalite.js';
import { DynamoPartitionVersionStore } from '../../lambdas/adapters/aws/dynamodb-partition-versions.js';
import { folderUri, partitionKey, publishPartition, versionFile } from '../../lambdas/core/lake/publication.js';
import { silverColumns } from '../../lambdas/core/lake/tables.js';
import { writeColumns } from '../../lambdas/core/columnar/writer.js';
import { tableFromRows } from './parquet.js';

/** An instant on 2024-01-19 (UTC), at the given hour, as a timestamp cell (epoch µs). */
export const jan19At = (h: number) => Date.UTC(2024, 0, 19, h) * 1000;

/** A silver row of the default config's operation sources (sor, sot), with its decision times at `hour`. */
export const silverOp = (num_oper: string | null, hour: number, extra: Record<string, CellValue> = {}) => ({
  num_oper,
  cod_idef_ver_oper: 1,
  dat_vlr_even_oper: jan19At(hour),
  num_prio_even_oper: 1,
  dat_recm_even_oper: jan19At(hour),
  vlr_oper: 1050n,
  cod_moed: 'BRL',
  des_stat_oper: `h${hour}`,
  updated_at: jan19At(hour),
  _content_hash: 'h',
  _ingested_at: jan19At(23),
  _run_id: 'refine',
  ...extra,
});

let silverVersions = 0;
/**
 * Writes an origin's silver partition as a Refine version and publishes it, as Refine does; `register:
 * 'catalog'` only registers its folder in the catalog (as before versions were recorded), `false` does neither.
 */
export async function publishSilver(
  deps: Pick<ConsolidateTableDeps, 'config' | 'silver' | 'catalog' | 'versions' | 'clock'>,
  anomesdia: string,
  origem: string,
  rows: Record<string, CellValue>[],
  options: { runId?: string; register?: false | 'catalog' } = {},
): Promise<void> {
  const { config } = deps;
  const source = config.sources.find((s) => s.name === origem)!;
  const runId = options.runId ?? 'r1';
  const prefix = silverLayout.versionPrefix(origem, anomesdia, runId, `v${++silverVersions}`);
  const bytes = writeColumns(tableFromRows(silverColumns(source), rows));
  await deps.silver.put(`${prefix}part-0.parquet`, bytes);
  if (options.register === false) return;
  const table = silverTable(config, source);
  await deps.catalog.ensureTable({
    database: table.database,
    name: table.name,
    location: deps.silver.uri(table.prefix),
    columns: table.columns,
    partitionKeys: table.partitionKeys,
  });
  const values = { anomesdia };
  if (options.register === 'catalog') {
    await deps.catalog.upsertPartition(table.database, table.name, values, deps.silver.uri(prefix));
    return;
  }
  await publishPartition(
    { catalog: deps.catalog, versions: deps.versions, store: deps.silver, clock: deps.clock ?? (() => new Date()), graceMs: 0 },
    {
      partition: partitionKey('silver', table.database, table.name, values),
      database: table.database,
      table: table.name,
      values,
      partitionPrefix: silverLayout.partitionPrefix(origem, anomesdia),
      versionPrefix: prefix,
      runId,
      inputs: { bronze_commits: silverVersions },
      files: [versionFile(`${prefix}part-0.parquet`, bytes, rows.length)],
    },
  );
}

/** Consolidates a partition that must stay in the Lambda (no Glue runner, or under the threshold): a Glue handoff fails the test. */
export async function consolidateHere(deps: ConsolidateTableDeps, request: ConsolidateTableRequest): Promise<ConsolidateTableResult> {
  const result = await consolidateTable(deps, request);
  if ('glue' in result) throw new Error(`expected a consolidation in the Lambda, got a Glue handoff ${JSON.stringify(result)}`);
  return result;
}

export interface ConsolidationLake {
  deps: ConsolidateTableDeps & { silver: FsObjectStore; gold: FsObjectStore; catalog: JsonCatalog };
  /** DuckDB over the catalog's tables, as `npm run query` sees them. */
  engine: DuckDbQueryEngine;
  /** Puts one silver file of an origin's partition under a Refine run folder and points the catalog at that run. */
  putSilver(origem: string, anomesdia: string, bytes: Uint8Array | string, options?: { runId?: string; file?: string }): Promise<string>;
  stop(): Promise<void>;
}

/** Starts the lake; `config` must declare the origins and consolidations the test uses. */
export async function startConsolidationLake(config: PipelineConfig, dynamo?: TestDynamo): Promise<ConsolidationLake> {
  const dir = await mkdtemp(join(tmpdir(), 'consolidation-lake-'));
  const own = dynamo === undefined;
  const db = dynamo ?? (await startTestDynamo());
  const gold = new FsObjectStore(join(dir, 'gold'));
  const catalog = new JsonCatalog(join(dir, 'catalog.json'));
  const deps = {
    config,
    silver: new FsObjectStore(join(dir, 'silver')),
    gold,
    catalog,
    // Silver is put in place and registered in the catalog only, as before versions were recorded: the
    // files under test are ones no writer of the pipeline would record (not Parquet, a column missing).
    versions: new DynamoPartitionVersionStore(db.doc, db.tables.partitions),
    congregados: new DynamoCongregadoStore(db.doc, db.tables.congregado, { sampleStore: gold }),
    clock: () => new Date('2024-01-20T02:00:00Z'),
  };
  const engine = await DuckDbQueryEngine.open({ catalog, resolve: (location) => fileURLToPath(location) });
  return {
    deps,
    engine,
    async putSilver(origem, anomesdia, bytes, options = {}) {
      const source = config.sources.find((s) => s.name === origem)!;
      const prefix = silverLayout.versionPrefix(origem, anomesdia, options.runId ?? 'r1', 'v1');
      const key = `${prefix}${options.file ?? 'part-00000.parquet'}`;
      await deps.silver.put(key, bytes);
      const table = silverTable(config, source);
      await catalog.ensureTable({
        database: table.database,
        name: table.name,
        location: deps.silver.uri(table.prefix),
        columns: table.columns,
        partitionKeys: table.partitionKeys,
      });
      await catalog.upsertPartition(table.database, table.name, { anomesdia }, folderUri(deps.silver, prefix));
      return key;
    },
    async stop() {
      engine.close();
      if (own) await db.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
