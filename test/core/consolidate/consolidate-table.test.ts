import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { filesSource } from '../../support/configs.js';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePipelineConfig, type PipelineConfig } from '../../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../../lambdas/core/default-config.js';
import { consolidateTable } from '../../../lambdas/core/consolidate/consolidate-table.js';
import type { ConsolidateTableDeps } from '../../../lambdas/core/consolidate/types.js';
import { locationIn } from '../../../lambdas/core/lake/publication.js';
import { ConsolidationNotFoundError, GlueRunnerMissingError } from '../../../lambdas/core/consolidate/errors.js';
import { goldLayout } from '../../../lambdas/core/lake/layout.js';
import type { CellValue } from '../../../lambdas/core/columnar/types.js';
import { readParquet, rowsFromTable } from '../../support/parquet.js';
import { FsObjectStore } from '../../../lambdas/adapters/local/fs-object-store.js';
import { consolidateHere, jan19At as at, publishSilver, silverOp as op } from '../../support/consolidation-lake.js';
import { JsonCatalog } from '../../../lambdas/adapters/local/json-catalog.js';
import { MemoryPartitionVersions } from '../../support/memory-partition-versions.js';
import { folderUri } from '../../../lambdas/core/lake/publication.js';
import { GlueJobRunner } from '../../../lambdas/adapters/aws/glue-job-runner.js';
import { GlueOutputError } from '../../../lambdas/core/consolidate/errors.js';
import { sha256Hex } from '../../../lambdas/core/hashing.js';
import { goldColumns } from '../../../lambdas/core/lake/tables.js';
import type { GlueHandoff } from '../../../lambdas/core/consolidate/types.js';
import { keyIn, readSpec, writeGlueRun } from '../../support/glue-run.js';
import type { SparkTimestampType } from '../../support/spark-parquet.js';
import { MemoryCongregados } from '../../support/memory-congregados.js';

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

  const silver = (origem: string, rows: Record<string, CellValue>[], options: { runId?: string; register?: false | 'catalog' } = {}) =>
    publishSilver(deps, DAY, origem, rows, options);

  async function goldRows(location: string) {
    const key = locationIn(deps.gold, location)!;
    return rowsFromTable(await readParquet(await deps.gold.get(`${key}part-00000.snappy.parquet`)));
  }

  /** Consolidates the partition in this Lambda (no Glue runner, or under the threshold). */
  const run = (runId: string) => consolidateHere(deps, { runId, database: GOLD.db, tabela: GOLD.table, anomesdia: DAY });

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
    expect(saved.sample_data[0]).toMatchObject({
      num_oper: 'A',
      dat_vlr_even_oper: '2024-01-19T03:00:00.000000Z',
      vlr_oper: '10.50',
      origem: 'sot',
    });
    const version = /\/(v=[0-9a-z]+)\/$/.exec(result.location!)![1]!;
    const quarantine = await readFile(
      join(dir, 'gold', '_quarantine', GOLD.db, GOLD.table, `anomesdia=${DAY}`, 'run=run-1', version, 'part-00000.json'),
      'utf8',
    );
    // The one shape both engines write (docs/operations.md): every gold column, nulls kept, timestamps ISO to the microsecond, decimals as exact text.
    expect(quarantine).toBe(
      `${JSON.stringify({
        origem: 'sor',
        reason: 'null key column "num_oper"',
        row: {
          num_oper: null,
          cod_idef_ver_oper: 1,
          dat_vlr_even_oper: '2024-01-19T09:00:00.000000Z',
          num_prio_even_oper: 1,
          dat_recm_even_oper: '2024-01-19T09:00:00.000000Z',
          vlr_oper: '10.50',
          cod_moed: 'BRL',
          des_stat_oper: 'h9',
          updated_at: '2024-01-19T09:00:00.000000Z',
        },
      })}\n`,
    );
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

  it('refuses to run on Glue without a runner, and names an unknown consolidation', async () => {
    config.consolidations[0]!.engine = 'glue';
    await expect(run('run-1')).rejects.toThrow(GlueRunnerMissingError);
    await expect(consolidateTable(deps, { runId: 'r', database: 'db_batch', tabela: 'nope', anomesdia: DAY })).rejects.toThrow(
      ConsolidationNotFoundError,
    );
  });
});

describe('consolidateTable on Glue', () => {
  let dir: string;
  let deps: ConsolidateTableDeps & { congregados: MemoryCongregados; catalog: JsonCatalog; versions: MemoryPartitionVersions };
  let config: PipelineConfig;
  const TABLE = { db: 'db_batch', table: 'tbl_contas' };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'consolidate-glue-'));
    // A table with every physical shape a Spark decimal takes (INT32, INT64, FIXED_LEN_BYTE_ARRAY) and dates before 1970.
    const contasFields = [
      { name: 'id', type: 'long', required: true },
      { name: 'ts', type: 'timestamp', required: true },
      { name: 'valor', type: 'decimal', precision: 9, scale: 2 },
      { name: 'saldo', type: 'decimal', precision: 18, scale: 4 },
      { name: 'grande', type: 'decimal', precision: 38, scale: 10 },
      { name: 'dia', type: 'date' },
      { name: 'nome', type: 'string' },
    ];
    config = parsePipelineConfig({
      ...defaultPipelineConfig,
      sources: [...defaultPipelineConfig.sources, filesSource('contas', contasFields, 'ts')],
      consolidations: [
        {
          database: TABLE.db,
          tabela_consolidada: TABLE.table,
          origens: ['contas'],
          chaves_principais: ['id'],
          campos_decisao: ['ts'],
          engine: 'glue',
        },
      ],
    });
    const gold = new FsObjectStore(join(dir, 'gold'));
    deps = {
      config,
      silver: new FsObjectStore(join(dir, 'silver')),
      gold,
      catalog: new JsonCatalog(join(dir, 'catalog.json')),
      versions: new MemoryPartitionVersions(),
      congregados: new MemoryCongregados(),
      clock: () => new Date('2024-01-20T02:00:00Z'),
      glue: new GlueJobRunner({ specStore: gold, specPrefix: '_glue-specs/' }),
    };
    // The silver version the run is asked to consolidate: four rows, which the run's summary reports read.
    const at = (i: number) => Date.UTC(2024, 0, 19, i) * 1000;
    await publishSilver(
      deps,
      DAY,
      'contas',
      [1, 2, 3, 4].map((i) => ({ id: i, ts: at(i), _content_hash: `h${i}`, _ingested_at: at(23), _run_id: 'r' })),
    );
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  const request = { runId: 'run-g', database: TABLE.db, tabela: TABLE.table, anomesdia: DAY };
  const columns = () => goldColumns(config, config.consolidations[0]!);
  const rows = [
    [
      {
        id: 1n,
        ts: '2024-01-19T10:15:30.123456Z',
        valor: '1234567.89',
        saldo: '-99999999999999.9999',
        grande: '12345678.1234567891',
        dia: '1969-07-20',
        nome: 'São Paulo',
        origem: 'contas',
      },
      { id: 2n, ts: '1969-12-31T23:59:59.999999Z', valor: null, saldo: '0.0001', grande: '-1.5', dia: null, nome: null, origem: 'contas' },
    ],
    [{ id: 3n, ts: '2024-01-19T00:00:00Z', valor: '-0.01', saldo: null, grande: null, dia: '2024-01-19', nome: '東京', origem: 'contas' }],
  ];
  /** The sample the congregado keeps of the first part file: what the Lambda reads back, exactly. */
  const sample = [
    {
      id: '1',
      ts: '2024-01-19T10:15:30.123456Z',
      valor: '1234567.89',
      saldo: '-99999999999999.9999',
      grande: '12345678.1234567891',
      dia: '1969-07-20T00:00:00.000Z',
      nome: 'São Paulo',
      origem: 'contas',
    },
    {
      id: '2',
      ts: '1969-12-31T23:59:59.999999Z',
      valor: null,
      saldo: '0.0001',
      grande: '-1.5000000000',
      dia: null,
      nome: null,
      origem: 'contas',
    },
  ];

  async function handOff(): Promise<GlueHandoff> {
    const handoff = await consolidateTable(deps, request);
    if (!('glue' in handoff)) throw new Error(`expected a Glue handoff, got ${JSON.stringify(handoff)}`);
    return handoff;
  }

  for (const timestamps of ['TIMESTAMP_MICROS', 'INT96'] as SparkTimestampType[]) {
    it(`hands the partition to Glue with its spec, then publishes what a Spark run wrote (${timestamps} timestamps)`, async () => {
      const handoff = await handOff();
      expect(handoff).toEqual({
        anomesdia: DAY,
        engine: 'glue',
        glue: { spec_uri: deps.gold.uri(`_glue-specs/${TABLE.db}/${TABLE.table}/anomesdia=${DAY}/run=run-g.json`) },
        inputs: { contas: 1 },
        expected_rows: 4,
      });
      const spec = await readSpec(deps.gold, handoff.glue.spec_uri);
      expect(spec).toMatchObject({ version: 1, run_id: 'run-g', database: TABLE.db, tabela_consolidada: TABLE.table, anomesdia: DAY });
      expect(spec.sql).toContain("FROM `db_silver`.`contas` WHERE `anomesdia` = '20240119'");
      expect(spec.columns).toEqual(['id', 'ts', 'valor', 'saldo', 'grande', 'dia', 'nome', 'origem']);
      expect(spec.quarantine_location).toMatch(
        new RegExp(`^${deps.gold.uri(`_quarantine/${TABLE.db}/${TABLE.table}/anomesdia=${DAY}/run=run-g`)}/v=g[0-9a-f]{16}/$`),
      );
      // Nothing is published before the run: no catalog partition, no congregado.
      expect(deps.congregados.saved).toHaveLength(0);

      // The run leaves checksum siblings (a local write) and an abandoned _temporary/ attempt: neither is data.
      const keys = await writeGlueRun(deps.gold, spec, {
        columns: columns(),
        parts: rows,
        rows_read: 4,
        timestamps,
        output: { localChecksums: true },
      });
      const folder = keyIn(deps.gold, spec.output_location);
      await deps.gold.put(`${folder}_temporary/0/part-00009-x-c000.snappy.parquet`, 'not parquet');
      const parts = keys.filter((k) => /\/part-0000\d-[0-9a-f-]+-c000\.snappy\.parquet$/.test(k)).sort();
      expect(parts).toHaveLength(2);
      expect(keys).toContain(`${folder}_SUCCESS`);

      const publish = () => consolidateTable(deps, { ...request, phase: 'glue-output', handoff });
      const result = await publish();
      expect(result).toMatchObject({
        anomesdia: DAY,
        rows_read: 4,
        rows_written: 3,
        rows_invalid: 0,
        congregado_version: 1,
        location: spec.output_location,
        engine: 'glue',
      });
      expect(await deps.catalog.getPartitionLocation(TABLE.db, TABLE.table, { anomesdia: DAY })).toBe(spec.output_location);
      const hashes = await Promise.all(parts.map(async (k) => sha256Hex(await deps.gold.get(k))));
      expect(deps.congregados.saved[0]).toMatchObject({
        processor_type: 'glue',
        record_count: 3,
        content_hash: sha256Hex(hashes.join('\n')),
        sample_data: sample,
      });
      // A retried publication (its Lambda timed out after publishing) finds its version published and keeps it.
      config.limits.supersededGraceMinutes = 0;
      expect(await publish()).toMatchObject({ location: spec.output_location, rows_written: 3 });
      expect(await deps.catalog.getPartitionLocation(TABLE.db, TABLE.table, { anomesdia: DAY })).toBe(spec.output_location);
      for (const key of parts) expect(await deps.gold.head(key), key).toBeDefined();
    });
  }

  it('refuses to publish a run whose files do not hold the rows its summary counts, or that wrote no summary', async () => {
    const spec = await readSpec(deps.gold, (await handOff()).glue.spec_uri);
    await expect(consolidateTable(deps, { ...request, phase: 'glue-output' })).rejects.toThrow(GlueOutputError);
    await writeGlueRun(deps.gold, spec, { columns: columns(), parts: rows, rows_read: 4, reportedRowsWritten: 5 });
    await expect(consolidateTable(deps, { ...request, phase: 'glue-output' })).rejects.toThrow(
      /holds 3 rows in 2 Parquet file\(s\), but its _summary.json says 5; the partition was not published/,
    );
    expect(deps.congregados.saved).toHaveLength(0);
  });
});
