import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePipelineConfig, type PipelineConfig } from '../../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../../lambdas/core/default-config.js';
import { consolidateTable } from '../../../lambdas/core/consolidate/consolidate-table.js';
import type { ConsolidateTableDeps } from '../../../lambdas/core/consolidate/types.js';
import { locationIn } from '../../../lambdas/core/lake/publication.js';
import { ConsolidationNotFoundError, GlueRunnerMissingError } from '../../../lambdas/core/consolidate/errors.js';
import { writeColumns } from '../../../lambdas/core/columnar/writer.js';
import { goldLayout, silverLayout, silverTable } from '../../../lambdas/core/lake/layout.js';
import type { CellValue } from '../../../lambdas/core/columnar/types.js';
import { readParquet, rowsFromTable, tableFromRows } from '../../support/parquet.js';
import { silverColumns } from '../../../lambdas/core/lake/tables.js';
import { FsObjectStore } from '../../../lambdas/adapters/local/fs-object-store.js';
import { jan19At as at, silverOp as op } from '../../support/consolidation-lake.js';
import { JsonCatalog } from '../../../lambdas/adapters/local/json-catalog.js';
import { MemoryPartitionVersions } from '../../support/memory-partition-versions.js';
import { folderUri, partitionKey, publishPartition, versionFile } from '../../../lambdas/core/lake/publication.js';
import type { GlueConsolidationRunner, GlueConsolidationSpec } from '../../../lambdas/ports/glue-runner.js';
import type { CongregadoInput, CongregadoRecord, CongregadoStore } from '../../../lambdas/ports/state-stores.js';

class MemoryCongregados implements CongregadoStore {
  readonly saved: CongregadoInput[] = [];
  private records = new Map<string, CongregadoRecord>();
  async save(input: CongregadoInput) {
    this.saved.push(input);
    const id = `${input.database}_${input.tabela_consolidada}`;
    const previous = this.records.get(id);
    const record: CongregadoRecord = {
      ...input,
      id,
      idempotency_key: input.content_hash,
      version: (previous?.version ?? 0) + 1,
      created_at: 'x',
      updated_at: 'x',
      metadata: input.metadata ?? {},
    };
    this.records.set(id, record);
    return { record, created: true };
  }
  async get(id: string) {
    return this.records.get(id);
  }
  async list() {
    return [...this.records.values()];
  }
}

const DAY = '20240119';
const GOLD = { db: 'db_batch', table: 'tbl_processado_operacao_consolidada_n1' };

describe('consolidateTable', () => {
  let dir: string;
  let deps: ConsolidateTableDeps & { congregados: MemoryCongregados; catalog: JsonCatalog; versions: MemoryPartitionVersions };
  let config: PipelineConfig;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'consolidate-table-'));
    config = parsePipelineConfig(defaultPipelineConfig);
    deps = {
      config,
      silver: new FsObjectStore(join(dir, 'silver')),
      gold: new FsObjectStore(join(dir, 'gold')),
      catalog: new JsonCatalog(join(dir, 'catalog.json')),
      versions: new MemoryPartitionVersions(),
      congregados: new MemoryCongregados(),
      clock: () => new Date('2024-01-20T02:00:00Z'),
    };
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  let silverVersions = 0;
  /**
   * Writes an origin's silver partition as a Refine version and publishes it; `register: 'catalog'` only
   * registers its folder in the catalog (as before versions were recorded), `false` does neither.
   */
  async function silver(origem: string, rows: Record<string, CellValue>[], options: { runId?: string; register?: false | 'catalog' } = {}) {
    const source = config.sources.find((s) => s.name === origem)!;
    const runId = options.runId ?? 'r1';
    const prefix = silverLayout.versionPrefix(origem, DAY, runId, `v${++silverVersions}`);
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
    if (options.register === 'catalog') {
      await deps.catalog.upsertPartition(table.database, table.name, { anomesdia: DAY }, deps.silver.uri(prefix));
      return;
    }
    const values = { anomesdia: DAY };
    await publishPartition(
      { catalog: deps.catalog, versions: deps.versions, store: deps.silver, clock: deps.clock!, graceMs: 0 },
      {
        partition: partitionKey('silver', table.database, table.name, values),
        database: table.database,
        table: table.name,
        values,
        partitionPrefix: silverLayout.partitionPrefix(origem, DAY),
        versionPrefix: prefix,
        runId,
        inputs: { bronze_commits: silverVersions },
        files: [versionFile(`${prefix}part-0.parquet`, bytes, rows.length)],
      },
    );
  }

  async function goldRows(location: string) {
    const key = locationIn(deps.gold, location)!;
    return rowsFromTable(await readParquet(await deps.gold.get(`${key}part-00000.snappy.parquet`)));
  }

  const run = (runId: string) => consolidateTable(deps, { runId, database: GOLD.db, tabela: GOLD.table, anomesdia: DAY });

  it('writes the gold partition as a version under its run folder, registers it in the catalog and saves the congregado', async () => {
    await silver('sor', [op('A', 1), op('B', 5), op(null, 9)]);
    await silver('sot', [op('A', 3, { des_stat_oper: 'sot wins' }), op('C', 2)]);
    const result = await run('run-1');
    expect(result).toMatchObject({
      anomesdia: DAY,
      rows_read: 5,
      rows_written: 3,
      rows_invalid: 1,
      congregado_version: 1,
      engine: 'lambda',
      books: '5 silver = 3 gold + 1 outranked + 1 null keys',
    });
    expect(result.location).toMatch(
      new RegExp(`^${folderUri(deps.gold, goldLayout.partitionPrefix(GOLD.db, GOLD.table, DAY))}run=run-1/v=[0-9a-z]+/$`),
    );
    expect(await deps.catalog.getPartitionLocation(GOLD.db, GOLD.table, { anomesdia: DAY })).toBe(result.location);
    const rows = await goldRows(result.location!);
    expect(rows.map((r) => [r.num_oper, r.des_stat_oper, r.origem])).toEqual([
      ['A', 'sot wins', 'sot'],
      ['B', 'h5', 'sor'],
      ['C', 'h2', 'sot'],
    ]);
    expect(rows[0]!.dat_vlr_even_oper).toEqual(at(3));
    expect(Object.keys(rows[0]!)).not.toContain('_run_id');
    const saved = deps.congregados.saved[0]!;
    expect(saved).toMatchObject({
      record_count: 3,
      processor_type: 'lambda',
      origens: ['sor', 'sot'],
      chaves_principais: ['num_oper', 'cod_idef_ver_oper'],
      campos_decisao: ['dat_vlr_even_oper', 'num_prio_even_oper', 'dat_recm_even_oper'],
    });
    expect(saved.content_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(saved.sample_data[0]).toMatchObject({ num_oper: 'A', dat_vlr_even_oper: '2024-01-19T03:00:00.000Z', origem: 'sot' });
    const version = /\/(v=[0-9a-z]+)\/$/.exec(result.location!)![1]!;
    const quarantine = await readFile(
      join(dir, 'gold', '_quarantine', GOLD.db, GOLD.table, `anomesdia=${DAY}`, 'run=run-1', `${version}.ndjson`),
      'utf8',
    );
    expect(JSON.parse(quarantine.trim())).toMatchObject({
      origem: 'sor',
      reason: 'null key column "num_oper"',
      row: { des_stat_oper: 'h9' },
    });
  });

  it('replaces the partition on a rerun: the catalog moves to the new run and the old files are removed (no grace period)', async () => {
    config.limits.supersededGraceMinutes = 0;
    await silver('sor', [op('A', 1), op('B', 2)]);
    await silver('sot', [op('A', 3)]);
    const first = await run('run-1');
    await silver('sot', [op('A', 3), op('D', 4)], { runId: 'r2' });
    const second = await run('run-2');
    expect(await deps.catalog.getPartitionLocation(GOLD.db, GOLD.table, { anomesdia: DAY })).toBe(second.location);
    const keys: string[] = [];
    for await (const o of deps.gold.list(goldLayout.partitionPrefix(GOLD.db, GOLD.table, DAY))) keys.push(o.key);
    expect(keys).toEqual([`${locationIn(deps.gold, second.location!)}part-00000.snappy.parquet`]);
    expect(first.location).not.toBe(second.location);
    expect((await goldRows(second.location!)).map((r) => r.num_oper)).toEqual(['A', 'B', 'D']);
    expect(second.congregado_version).toBe(2);
  });

  it('gives equal content the same congregado content hash whatever the run', async () => {
    await silver('sor', [op('A', 1), op('B', 2)]);
    await run('run-1');
    await run('run-2');
    const [first, second] = deps.congregados.saved;
    expect(second!.content_hash).toBe(first!.content_hash);
    expect(second!.metadata).toMatchObject({ run_id: 'run-2' });
  });

  it('takes an origin with no partition that day as no rows, and the newest run folder when the catalog has none', async () => {
    await silver('sor', [op('old', 1)], { runId: 'r1', register: false });
    await new Promise((r) => setTimeout(r, 20));
    await silver('sor', [op('new', 1)], { runId: 'r2', register: false });
    const result = await run('run-1');
    expect(result).toMatchObject({ rows_read: 1, rows_written: 1 });
    expect((await goldRows(result.location!)).map((r) => r.num_oper)).toEqual(['new']);
  });

  it('reads a silver partition registered in the catalog before versions were recorded', async () => {
    await silver('sor', [op('A', 1)]);
    await silver('sot', [op('legacy', 1)], { runId: 'r0', register: 'catalog' });
    const result = await run('run-1');
    expect(result).toMatchObject({ rows_read: 2, rows_written: 2 });
    expect((await goldRows(result.location!)).map((r) => r.num_oper)).toEqual(['A', 'legacy']);
  });

  it('writes only to output_path and leaves the catalog alone', async () => {
    config.consolidations[0]!.output_path = 's3://exports/consolidacao/';
    const exports = new FsObjectStore(join(dir, 'exports'));
    deps.resolveOutput = (uri) =>
      uri.startsWith('s3://exports/') ? { store: exports, key: uri.slice('s3://exports/'.length) } : undefined;
    await silver('sor', [op('A', 1)]);
    const result = await run('run-1');
    expect(result.location).toBe(`s3://exports/consolidacao/anomesdia=${DAY}/`);
    expect(await exports.head(`consolidacao/anomesdia=${DAY}/part-00000.snappy.parquet`)).toBeDefined();
    await expect(deps.catalog.getTable(GOLD.db, GOLD.table)).rejects.toThrow('is not in the catalog');
  });

  it('delegates to the Glue runner with the Spark SQL, then switches the catalog to the job output', async () => {
    config.consolidations[0]!.engine = 'auto';
    config.consolidations[0]!.glueThreshold = { rows: 2, bytes: 1e9 };
    await silver('sor', [op('A', 1), op('B', 1), op('C', 1)]);
    const specs: GlueConsolidationSpec[] = [];
    const glue: GlueConsolidationRunner = {
      async run(spec) {
        specs.push(spec);
        const key = locationIn(deps.gold, spec.output_location)!;
        await deps.gold.put(
          `${key}part-0.parquet`,
          writeColumns(
            tableFromRows(
              [
                { name: 'num_oper', type: 'string' },
                { name: 'origem', type: 'string' },
              ],
              [{ num_oper: 'A', origem: 'sor' }],
            ),
          ),
        );
        await deps.gold.put(`${key}_summary.json`, JSON.stringify({ rows_read: 3, rows_written: 1, rows_invalid: 0 }));
        return { jobRunId: 'jr-1' };
      },
    };
    const result = await consolidateTable({ ...deps, glue }, { runId: 'run-g', database: GOLD.db, tabela: GOLD.table, anomesdia: DAY });
    expect(result).toMatchObject({ engine: 'glue', rows_read: 3, rows_written: 1 });
    expect(specs[0]).toMatchObject({ database: GOLD.db, tabela_consolidada: GOLD.table, anomesdia: DAY, output_location: result.location });
    expect(specs[0]!.sql).toContain("FROM `db_silver`.`sor` WHERE `anomesdia` = '20240119'");
    expect(specs[0]!.columns.at(-1)).toBe('origem');
    expect(specs[0]!.counts_sql).toContain('AS `rows_invalid`');
    expect(specs[0]!.quarantine_sql).toContain('WHERE `num_oper` IS NULL OR `cod_idef_ver_oper` IS NULL');
    expect(specs[0]!.quarantine_location).toMatch(
      new RegExp(`^${folderUri(deps.gold, `_quarantine/${GOLD.db}/${GOLD.table}/anomesdia=${DAY}/run=run-g/`)}v=g[0-9a-f]{16}/$`),
    );
    expect(await deps.catalog.getPartitionLocation(GOLD.db, GOLD.table, { anomesdia: DAY })).toBe(result.location);
    expect(deps.congregados.saved[0]).toMatchObject({
      processor_type: 'glue',
      record_count: 1,
      sample_data: [{ num_oper: 'A', origem: 'sor' }],
    });
  });

  it('refuses to run on Glue without a runner, and names an unknown consolidation', async () => {
    config.consolidations[0]!.engine = 'glue';
    await expect(run('run-1')).rejects.toThrow(GlueRunnerMissingError);
    await expect(consolidateTable(deps, { runId: 'r', database: 'db_batch', tabela: 'nope', anomesdia: DAY })).rejects.toThrow(
      ConsolidationNotFoundError,
    );
  });
});
