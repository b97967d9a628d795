// Daily aggregates of a gold table, computed for real: gold consolidated from silver on a local lake (JSON
// catalog, dynalite version table), the aggregate SQL run by DuckDB over the catalog, the rows published as a
// partition version and read back, by DuckDB and by an independent Parquet reader.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../../lambdas/core/config.js';
import type { CellValue } from '../../../lambdas/core/columnar/types.js';
import { aggregateColumns, aggregateNamedQueries, aggregateSql } from '../../../lambdas/core/gold/aggregates.js';
import { refreshAggregates, type RefreshAggregatesDeps } from '../../../lambdas/core/gold/refresh-aggregates.js';
import { partitionKey } from '../../../lambdas/core/lake/publication.js';
import type { PartitionVersionRecord } from '../../../lambdas/ports/partition-versions.js';
import { opsAggregatesConfig } from '../../support/aggregate-config.js';
import { consolidateHere, publishSilver, startConsolidationLake, type ConsolidationLake } from '../../support/consolidation-lake.js';
import { readParquet } from '../../support/parquet.js';

const DAY = '20240119';
const at = (h: number) => Date.UTC(2024, 0, 19, h) * 1000;
const DAILY = {
  table: 'tbl_ops_daily',
  groupBy: ['status', 'moeda'],
  measures: [
    { name: 'ops', fn: 'count' },
    { name: 'ids', fn: 'count_distinct', field: 'id' },
    { name: 'total', fn: 'sum', field: 'valor' },
    { name: 'medio', fn: 'avg', field: 'valor' },
    { name: 'menor', fn: 'min', field: 'valor' },
    { name: 'ultimo', fn: 'max', field: 'ts' },
    { name: 'qtd_total', fn: 'sum', field: 'qtd' },
    { name: 'taxa_total', fn: 'sum', field: 'taxa' },
    { name: 'com_cliente', fn: 'count', field: 'cliente' },
    { name: 'clientes', fn: 'count_distinct', field: 'cliente' },
    { name: 'primeiro_dia', fn: 'min', field: 'dia' },
    { name: 'algum_ativo', fn: 'max', field: 'ativo' },
  ],
};
const TOTAL = {
  table: 'tbl_ops_total',
  measures: [
    { name: 'ops', fn: 'count' },
    { name: 'total', fn: 'sum', field: 'valor' },
  ],
};

const configWith = (aggregates: unknown[]) => parsePipelineConfig(opsAggregatesConfig(aggregates));
const config = configWith([DAILY, TOTAL]);
const consolidation = config.consolidations[0]!;
const daily = consolidation.aggregates[0]!;

const jan = (d: number) => new Date(Date.UTC(2024, 0, d));
/** Silver rows of the day: a1 holds 1234567890123456.78, a2 0.01, their sum is exact only in decimal arithmetic. */
const ROWS: Record<'a' | 'b', Record<string, CellValue>[]> = {
  a: [
    {
      id: 'a1',
      ts: at(1),
      status: 'ok',
      moeda: 'BRL',
      valor: 123456789012345678n,
      qtd: 2,
      taxa: 0.5,
      cliente: 9007199254740993n,
      dia: jan(19),
      ativo: true,
      payload: '{"x":1}',
    },
    {
      id: 'a2',
      ts: at(2),
      status: 'ok',
      moeda: 'BRL',
      valor: 1n,
      qtd: 3,
      taxa: 0.25,
      cliente: 9007199254740993n,
      dia: jan(18),
      ativo: false,
    },
    { id: 'a3', ts: at(3), status: 'late', moeda: 'USD', valor: 1000n, cliente: 7n, payload: '{"y":2}' },
  ],
  b: [
    { id: 'b1', ts: at(4), status: 'ok', moeda: 'USD', valor: 550n, qtd: 1, taxa: 1.5, cliente: 7n, dia: jan(19), ativo: true },
    { id: 'b2', ts: at(5), moeda: 'BRL', valor: 225n, qtd: 4, taxa: 2, cliente: 8n },
  ],
};

describe('daily aggregates', () => {
  let lake: ConsolidationLake;
  let deps: RefreshAggregatesDeps;
  let runs = 0;
  beforeEach(async () => {
    lake = await startConsolidationLake(config);
    deps = {
      config,
      gold: lake.deps.gold,
      catalog: lake.deps.catalog,
      versions: lake.deps.versions,
      clock: lake.deps.clock!,
      query: (sql) => lake.engine.query(sql),
      dialect: 'duckdb',
    };
  });
  afterEach(async () => lake.stop());

  /** Publishes the origins' silver for a day and consolidates it into gold, as a run does. */
  async function gold(anomesdia: string, rows: typeof ROWS) {
    for (const origem of ['a', 'b'] as const) await publishSilver(lake.deps, anomesdia, origem, rows[origem], { runId: `r${++runs}` });
    await consolidateHere(lake.deps, { runId: `r${runs}`, database: 'db_gold', tabela: 'tbl_ops', anomesdia });
  }
  const refresh = (anomesdias: string[], runId = `agg${++runs}`, over: Partial<RefreshAggregatesDeps> = {}) =>
    refreshAggregates({ ...deps, ...over }, { runId, database: 'db_gold', tabela: 'tbl_ops', anomesdias });
  const record = (table: string, anomesdia: string) => lake.deps.versions.get(partitionKey('gold', 'db_gold', table, { anomesdia }));

  it('types the group-by columns as gold has them, then each measure by its function', () => {
    expect(aggregateColumns(config, consolidation, daily)).toEqual([
      { name: 'status', type: 'string' },
      { name: 'moeda', type: 'string' },
      { name: 'ops', type: 'long' },
      { name: 'ids', type: 'long' },
      { name: 'total', type: 'decimal', precision: 38, scale: 2 },
      { name: 'medio', type: 'double' },
      { name: 'menor', type: 'decimal', precision: 18, scale: 2 },
      { name: 'ultimo', type: 'timestamp' },
      { name: 'qtd_total', type: 'long' },
      { name: 'taxa_total', type: 'double' },
      { name: 'com_cliente', type: 'long' },
      { name: 'clientes', type: 'long' },
      { name: 'primeiro_dia', type: 'date' },
      { name: 'algum_ativo', type: 'boolean' },
    ]);
  });

  it('computes counts, exact decimal sums, means, minima, maxima and distinct counts per group, published as a partition version', async () => {
    await gold(DAY, ROWS);
    expect(await refresh([DAY])).toEqual([
      { table: 'tbl_ops_daily', anomesdia: DAY, rows_written: 4 },
      { table: 'tbl_ops_total', anomesdia: DAY, rows_written: 1 },
    ]);
    const rows = await lake.engine.query('SELECT * FROM db_gold.tbl_ops_daily ORDER BY status NULLS LAST, moeda');
    const common = { anomesdia: DAY };
    expect(rows).toEqual([
      {
        status: 'late',
        moeda: 'USD',
        ops: 1,
        ids: 1,
        total: '10.00',
        medio: 10,
        menor: '10.00',
        ultimo: new Date(at(3) / 1000),
        qtd_total: null,
        taxa_total: null,
        com_cliente: 1,
        clientes: 1,
        primeiro_dia: null,
        algum_ativo: null,
        ...common,
      },
      {
        status: 'ok',
        moeda: 'BRL',
        ops: 2,
        ids: 2,
        // Past 15 significant digits: exact in decimal arithmetic, which a double would round to ...456.75.
        total: '1234567890123456.79',
        // The exact sum, then one division: the same double on every run and in both engines.
        medio: Number('1234567890123456.79') / 2,
        menor: '0.01',
        ultimo: new Date(at(2) / 1000),
        qtd_total: 5,
        taxa_total: 0.75,
        com_cliente: 2,
        clientes: 1,
        primeiro_dia: jan(18),
        algum_ativo: true,
        ...common,
      },
      {
        status: 'ok',
        moeda: 'USD',
        ops: 1,
        ids: 1,
        total: '5.50',
        medio: 5.5,
        menor: '5.50',
        ultimo: new Date(at(4) / 1000),
        qtd_total: 1,
        taxa_total: 1.5,
        com_cliente: 1,
        clientes: 1,
        primeiro_dia: jan(19),
        algum_ativo: true,
        ...common,
      },
      {
        status: null,
        moeda: 'BRL',
        ops: 1,
        ids: 1,
        total: '2.25',
        medio: 2.25,
        menor: '2.25',
        ultimo: new Date(at(5) / 1000),
        qtd_total: 4,
        taxa_total: 2,
        com_cliente: 1,
        clientes: 1,
        primeiro_dia: null,
        algum_ativo: null,
        ...common,
      },
    ]);
    expect(await lake.engine.query('SELECT ops, total FROM db_gold.tbl_ops_total')).toEqual([{ ops: 5, total: '1234567890123474.54' }]);

    // One Parquet file per version, with the declared types: read by another reader than DuckDB.
    const version = (await record('tbl_ops_daily', DAY))!;
    expect(version).toMatchObject({ version: 1, rows: 4, inputs: { tbl_ops: 1 } });
    expect(version.files).toHaveLength(1);
    const file = await readParquet(await lake.deps.gold.get(version.files[0]!.key), aggregateColumns(config, consolidation, daily));
    expect(file.data.total).toEqual([1000n, 123456789012345679n, 550n, 225n]);
    expect(file.data.ultimo).toEqual([at(3), at(2), at(4), at(5)]);
    expect(file.data.clientes).toEqual([1n, 1n, 1n, 1n]);
    expect(await lake.deps.catalog.getPartitionLocation('db_gold', 'tbl_ops_daily', { anomesdia: DAY })).toBe(version.location);
  });

  it('keeps only the rows every filter condition holds for, each operator with its column’s type', async () => {
    await gold(DAY, ROWS);
    const cases: [unknown[], string[]][] = [
      [[{ field: 'status', op: '=', value: 'ok' }], ['a1', 'a2', 'b1']],
      [[{ field: 'status', op: '!=', value: 'ok' }], ['a3']],
      [[{ field: 'valor', op: '<', value: 5.5 }], ['a2', 'b2']],
      [[{ field: 'valor', op: '<=', value: '5.50' }], ['a2', 'b1', 'b2']],
      [[{ field: 'ts', op: '>', value: '2024-01-19T03:00:00Z' }], ['b1', 'b2']],
      [[{ field: 'ts', op: '>=', value: '2024-01-19T00:00:00-03:00' }], ['a3', 'b1', 'b2']],
      [[{ field: 'dia', op: '=', value: '2024-01-19' }], ['a1', 'b1']],
      [[{ field: 'qtd', op: 'in', value: [1, 2] }], ['a1', 'b1']],
      [[{ field: 'moeda', op: 'not_in', value: ['BRL'] }], ['a3', 'b1']],
      [[{ field: 'payload', op: 'is_null' }], ['a2', 'b1', 'b2']],
      [[{ field: 'ativo', op: 'is_not_null' }], ['a1', 'a2', 'b1']],
      [[{ field: 'ativo', op: '=', value: false }], ['a2']],
      [[{ field: 'cliente', op: '=', value: '9007199254740993' }], ['a1', 'a2']],
      [[{ field: 'taxa', op: '>=', value: 1.5 }], ['b1', 'b2']],
      [[{ field: 'origem', op: '=', value: 'b' }], ['b1', 'b2']],
      [
        [
          { field: 'status', op: '=', value: 'ok' },
          { field: 'moeda', op: '=', value: 'BRL' },
        ],
        ['a1', 'a2'],
      ],
    ];
    for (const [filter, ids] of cases) {
      const filtered = configWith([{ table: 'tbl_ids', groupBy: ['id'], measures: [{ name: 'n', fn: 'count' }], filter }]);
      const c = filtered.consolidations[0]!;
      const rows = await lake.engine.query(aggregateSql(filtered, c, c.aggregates[0]!, [DAY], 'duckdb'));
      expect({ filter, ids: rows.map((r) => r.id) }).toEqual({ filter, ids });
      expect(rows.every((r) => r.n === 1)).toBe(true);
    }
  });

  it('writes the same SQL for Athena as for DuckDB, and for Spark but its quoting', () => {
    const filtered = configWith([
      {
        ...DAILY,
        filter: [
          { field: 'ts', op: '>=', value: '2024-01-19T00:00:00Z' },
          { field: 'valor', op: 'in', value: [1, '2.5'] },
          { field: 'ativo', op: 'is_not_null' },
          { field: 'status', op: '!=', value: "it's" },
        ],
      },
    ]);
    const c = filtered.consolidations[0]!;
    const sql = (dialect: 'athena' | 'duckdb' | 'spark') => aggregateSql(filtered, c, c.aggregates[0]!, [DAY], dialect);
    expect(sql('athena')).toBe(sql('duckdb'));
    expect(sql('spark').replaceAll('`', '"')).toBe(sql('athena'));
    expect(sql('athena')).toContain(`"ts" >= CAST('2024-01-19 00:00:00.000000' AS TIMESTAMP)`);
    expect(sql('athena')).toContain(`"valor" IN (CAST('1' AS DECIMAL(18,2)), CAST('2.5' AS DECIMAL(18,2)))`);
    expect(sql('athena')).toContain(`"status" <> 'it''s'`);
    expect(sql('athena')).toContain('CAST(sum("valor") AS DECIMAL(38,2)) AS "total"');
    expect(sql('athena')).toContain('CAST(CAST(sum("valor") AS DOUBLE) / NULLIF(count("valor"), 0) AS DOUBLE) AS "medio"');
    expect(sql('athena')).toContain(`WHERE "anomesdia" IN ('${DAY}') AND "ts" >= `);
    expect(sql('athena')).toContain(
      'GROUP BY "anomesdia", "status", "moeda"\nORDER BY "anomesdia" ASC, "status" ASC NULLS LAST, "moeda" ASC NULLS LAST',
    );
    const days = aggregateSql(filtered, c, c.aggregates[0]!, [DAY, '20240120'], 'athena');
    expect(days).toContain(`WHERE "anomesdia" IN ('${DAY}', '20240120') AND `);
    expect(() => aggregateSql(filtered, c, c.aggregates[0]!, [], 'athena')).toThrow('no anomesdia to compute');
  });

  it('computes all the days of a request in one query per aggregate, each day’s partition holding what a query of that day alone gives', async () => {
    const next = '20240120';
    await gold(DAY, ROWS);
    await gold(next, { a: [{ ...ROWS.a[0]!, ts: at(25) }, ROWS.a[2]!], b: [ROWS.b[1]!] });
    const queries: string[] = [];
    const counted = (sql: string) => (queries.push(sql), lake.engine.query(sql));
    expect(await refresh([DAY, next, '20240121'], undefined, { query: counted })).toEqual([
      { table: 'tbl_ops_daily', anomesdia: DAY, rows_written: 4 },
      { table: 'tbl_ops_daily', anomesdia: next, rows_written: 3 },
      { table: 'tbl_ops_daily', anomesdia: '20240121', rows_written: 0 },
      { table: 'tbl_ops_total', anomesdia: DAY, rows_written: 1 },
      { table: 'tbl_ops_total', anomesdia: next, rows_written: 1 },
      { table: 'tbl_ops_total', anomesdia: '20240121', rows_written: 0 },
    ]);
    expect(queries).toHaveLength(2);
    for (const aggregate of consolidation.aggregates)
      for (const day of [DAY, next]) {
        const alone = await lake.engine.query(aggregateSql(config, consolidation, aggregate, [day], 'duckdb'));
        expect(alone.length).toBeGreaterThan(0);
        const order = aggregate.groupBy.length > 0 ? ` ORDER BY ${aggregate.groupBy.map((g) => `${g} NULLS LAST`).join(', ')}` : '';
        const published = await lake.engine.query(`SELECT * FROM db_gold.${aggregate.table} WHERE anomesdia = '${day}'${order}`);
        expect(published).toEqual(alone);
        expect(await record(aggregate.table, day)).toMatchObject({ version: 1, rows: alone.length, inputs: { tbl_ops: 1 } });
      }
    expect(await record('tbl_ops_daily', '20240121')).toMatchObject({ version: 1, rows: 0, inputs: { tbl_ops: 0 } });
  });

  it('republishes only the days of a request whose rows changed, each against its own gold version', async () => {
    const next = '20240120';
    await gold(DAY, ROWS);
    await gold(next, ROWS);
    await refresh([DAY, next]);
    const kept = await record('tbl_ops_daily', DAY);
    await gold(next, { a: [ROWS.a[2]!], b: [] });
    expect(await refresh([DAY, next])).toEqual([
      { table: 'tbl_ops_daily', anomesdia: DAY, rows_written: 4 },
      { table: 'tbl_ops_daily', anomesdia: next, rows_written: 1 },
      { table: 'tbl_ops_total', anomesdia: DAY, rows_written: 1 },
      { table: 'tbl_ops_total', anomesdia: next, rows_written: 1 },
    ]);
    expect(await record('tbl_ops_daily', DAY)).toEqual(kept);
    expect(await record('tbl_ops_daily', next)).toMatchObject({ version: 2, rows: 1, inputs: { tbl_ops: 2 } });
    expect(await record('tbl_ops_total', DAY)).toMatchObject({ version: 1, inputs: { tbl_ops: 1 } });
    expect(await lake.engine.query(`SELECT anomesdia, ops FROM db_gold.tbl_ops_total ORDER BY anomesdia`)).toEqual([
      { anomesdia: DAY, ops: 5 },
      { anomesdia: next, ops: 1 },
    ]);
  });

  it('writes an empty partition for a day whose gold partition has no rows or is not there, also without group-by columns', async () => {
    await gold(DAY, ROWS);
    await gold('20240301', { a: [], b: [] });
    expect(await refresh(['20240301', '20240302'])).toEqual([
      { table: 'tbl_ops_daily', anomesdia: '20240301', rows_written: 0 },
      { table: 'tbl_ops_daily', anomesdia: '20240302', rows_written: 0 },
      { table: 'tbl_ops_total', anomesdia: '20240301', rows_written: 0 },
      { table: 'tbl_ops_total', anomesdia: '20240302', rows_written: 0 },
    ]);
    expect(await record('tbl_ops_total', '20240301')).toMatchObject({ version: 1, rows: 0, inputs: { tbl_ops: 1 } });
    expect(await record('tbl_ops_total', '20240302')).toMatchObject({ version: 1, rows: 0, inputs: { tbl_ops: 0 } });
    expect(await lake.engine.query('SELECT anomesdia, count(*) AS n FROM db_gold.tbl_ops_total GROUP BY anomesdia')).toEqual([]);
    expect(await lake.deps.catalog.partitions('db_gold', 'tbl_ops_total')).toHaveLength(2);
  });

  it('publishes nothing when rerun over the same gold version', async () => {
    await gold(DAY, ROWS);
    const first = await refresh([DAY]);
    const before = await record('tbl_ops_daily', DAY);
    const files = async () => {
      const keys: string[] = [];
      for await (const o of lake.deps.gold.list('db_gold/tbl_ops_daily/')) keys.push(o.key);
      return keys;
    };
    const written = await files();
    expect(await refresh([DAY])).toEqual(first);
    expect(await record('tbl_ops_daily', DAY)).toEqual(before);
    expect(await files()).toEqual(written);
  });

  it('takes a rerun whose double sums differ in their last bits (a parallel engine’s order of addition) as unchanged, and republishes a changed aggregate', async () => {
    await gold(DAY, ROWS);
    await refresh([DAY]);
    const before = await record('tbl_ops_daily', DAY);
    const nudged = async (sql: string) =>
      (await lake.engine.query(sql)).map((r) =>
        typeof r.taxa_total === 'number' ? { ...r, taxa_total: r.taxa_total * (1 + 2 ** -52) } : r,
      );
    await refresh([DAY], undefined, { query: nudged });
    expect(await record('tbl_ops_daily', DAY)).toEqual(before);

    const changed = configWith([{ ...DAILY, filter: [{ field: 'origem', op: '=', value: 'a' }] }, TOTAL]);
    expect(await refresh([DAY], undefined, { config: changed })).toEqual([
      { table: 'tbl_ops_daily', anomesdia: DAY, rows_written: 2 },
      { table: 'tbl_ops_total', anomesdia: DAY, rows_written: 1 },
    ]);
    expect(await record('tbl_ops_daily', DAY)).toMatchObject({ version: 2, inputs: { tbl_ops: 1 } });
    expect((await record('tbl_ops_total', DAY))?.version).toBe(1);
  });

  it('reads the values as Athena returns them (ISO-8601 instants, days and decimals as text) into the same file, and names a value of another type', async () => {
    await gold(DAY, ROWS);
    await refresh([DAY]);
    const before = await record('tbl_ops_daily', DAY);
    const athenaForms = async (sql: string) =>
      (await lake.engine.query(sql)).map((r) =>
        Object.fromEntries(
          Object.entries(r).map(([k, v]) => [k, v instanceof Date ? v.toISOString().slice(0, k === 'primeiro_dia' ? 10 : undefined) : v]),
        ),
      );
    await refresh([DAY], undefined, { query: athenaForms });
    expect(await record('tbl_ops_daily', DAY)).toEqual(before);

    const wrong = async (sql: string) => (await lake.engine.query(sql)).map((r) => ('ops' in r ? { ...r, ops: 'many' } : r));
    await expect(refresh([DAY], undefined, { query: wrong })).rejects.toThrow(
      'Aggregate db_gold.tbl_ops_daily: the query returned many for column "ops" (expected a long integer (64-bit), got "many")',
    );
  });

  it('corrects a day whose gold was rebuilt with fewer rows, and never lets a run that read the older gold replace it', async () => {
    await gold(DAY, ROWS);
    await refresh([DAY]);
    const oldGold = await record('tbl_ops', DAY);
    await gold(DAY, { a: [ROWS.a[2]!], b: [] });
    expect(await refresh([DAY])).toEqual([
      { table: 'tbl_ops_daily', anomesdia: DAY, rows_written: 1 },
      { table: 'tbl_ops_total', anomesdia: DAY, rows_written: 1 },
    ]);
    expect(await lake.engine.query('SELECT status, moeda, ops, total FROM db_gold.tbl_ops_daily')).toEqual([
      { status: 'late', moeda: 'USD', ops: 1, total: '10.00' },
    ]);
    expect(await record('tbl_ops_daily', DAY)).toMatchObject({ version: 2, inputs: { tbl_ops: 2 } });

    // A slower run that read the gold version before the rebuild publishes after it: it is discarded.
    const goldKey = partitionKey('gold', 'db_gold', 'tbl_ops', { anomesdia: DAY });
    const stale = {
      get: (partition: string): Promise<PartitionVersionRecord | undefined> =>
        partition === goldKey ? Promise.resolve(oldGold) : lake.deps.versions.get(partition),
      put: lake.deps.versions.put.bind(lake.deps.versions),
    };
    const late = await refresh([DAY], 'slow', { versions: stale });
    expect(late.map((r) => r.superseded_by)).toEqual([expect.stringMatching(/^agg/), expect.stringMatching(/^agg/)]);
    expect(late.map((r) => r.rows_written)).toEqual([0, 0]);
    expect(await record('tbl_ops_daily', DAY)).toMatchObject({ version: 2, inputs: { tbl_ops: 2 } });
    expect(await lake.engine.query('SELECT ops FROM db_gold.tbl_ops_total')).toEqual([{ ops: 1 }]);
  });

  it('offers each aggregate’s latest day as a named query that runs in DuckDB', async () => {
    await gold(DAY, ROWS);
    await gold('20240120', { a: [{ ...ROWS.a[0]!, ts: at(25) }], b: [] });
    await refresh([DAY, '20240120']);
    const queries = aggregateNamedQueries('db_gold', consolidation, 'duckdb');
    expect(queries.map((q) => q.name)).toEqual(['aggregate-tbl_ops_daily', 'aggregate-tbl_ops_total']);
    expect(queries[0]!.description).toBe(
      'The latest anomesdia of db_gold.tbl_ops_daily: count(*), count_distinct(id), sum(valor), avg(valor), min(valor), max(ts), sum(qtd), sum(taxa), count(cliente), count_distinct(cliente), min(dia), max(ativo) of tbl_ops by status, moeda',
    );
    const latest = await lake.engine.query(queries[0]!.sql);
    expect(latest.map((r) => [r.anomesdia, r.status, r.moeda, r.total])).toEqual([['20240120', 'ok', 'BRL', '1234567890123456.78']]);
    expect(await lake.engine.query(queries[1]!.sql)).toEqual([{ ops: 1, total: '1234567890123456.78', anomesdia: '20240120' }]);
  });
});
