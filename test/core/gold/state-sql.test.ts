// The current-state and history MERGE statements run for real in DuckDB over gold partitions written as
// Parquet: inserts, updates only when the incoming tuple wins, corrections after a rebuilt partition,
// deletes, idempotent reruns, SCD2 intervals under out-of-order arrival; and the property that after any
// sequence of partition writes and rebuilds the table equals the `current-state` query over all of gold.
import { beforeEach, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeColumns } from '../../../lambdas/core/columnar/writer.js';
import type { CellValue, TableColumn } from '../../../lambdas/core/columnar/types.js';
import { quoteIdentifier } from '../../../lambdas/core/consolidate/sql.js';
import {
  addColumnsSql,
  createStateTableSql,
  currentStateColumns,
  historyColumns,
  mergeCurrentStateSql,
  mergeHistorySql,
  stateTableColumnsSql,
  type GoldStateSpec,
  type TableName,
} from '../../../lambdas/core/gold/state-sql.js';
import { currentStateSql } from '../../../lambdas/core/consolidate/gold-queries.js';
import { GoldStateInputError } from '../../../lambdas/core/gold/errors.js';
import { duckDbForBlock, exactRows } from '../../support/duckdb-rows.js';
import { tableFromRows } from '../../support/parquet.js';
import { operationColumns, operationRules, random, randomRows } from '../consolidate/fixtures.js';

const goldColumns: TableColumn[] = [...operationColumns, { name: 'origem', type: 'string' }];
const gold: TableName = { database: 'db', table: 'gold' };
const current: TableName = { database: 'db', table: 'gold_current' };
const history: TableName = { database: 'db', table: 'gold_history' };
const spec: GoldStateSpec = { ...operationRules, gold, columns: goldColumns };
const withDeletes: GoldStateSpec = { ...spec, deleteMarker: { field: 'flg_ativo', values: [false] } };
const q = (name: string) => quoteIdentifier(name, 'duckdb');
const T = (t: TableName) => `${q(t.database)}.${q(t.table)}`;
const HOUR = 3_600_000_000;
const BASE = Date.UTC(2024, 0, 19) * 1000;

type Row = Record<string, CellValue>;
const HISTORY_ONLY = new Set(['valid_from', 'valid_to', 'is_current', 'valid_to_anomesdia']);

/** A gold row for key (num_oper, 1) with a decision timestamp `hours` after the base. */
function op(num_oper: string, hours: number, extra: Partial<Row> = {}): Row {
  return {
    num_oper,
    cod_idef_ver_oper: 1,
    dat_vlr_even_oper: BASE + hours * HOUR,
    num_prio_even_oper: 1,
    dat_recm_even_oper: BASE,
    vlr_oper: 1000n + BigInt(hours),
    cod_moed: 'BRL',
    flg_ativo: true,
    origem: 'sor',
    ...extra,
  };
}

describe('gold state MERGE in DuckDB', () => {
  const duck = duckDbForBlock('gold-state-');
  let files = 0;
  const run = async (sql: string) => exactRows(await duck.conn.runAndReadAll(sql));
  /** Affected rows of a MERGE. */
  const merge = async (sql: string) => Number((await run(sql))[0]!.Count);

  /** Writes (or rebuilds) a gold partition from whole rows, as a consolidation publishes it. */
  async function writeDay(day: string, rows: Row[]): Promise<void> {
    const file = join(duck.dir, `${++files}.parquet`);
    await writeFile(file, writeColumns(tableFromRows(goldColumns, rows)));
    await duck.conn.run(`DELETE FROM ${T(gold)} WHERE anomesdia = '${day}'`);
    await duck.conn.run(`INSERT INTO ${T(gold)} SELECT *, '${day}' AS anomesdia FROM read_parquet('${file}')`);
  }
  const state = (s: GoldStateSpec, days: string[]) => merge(mergeCurrentStateSql(s, current, days, 'duckdb'));
  const hist = (s: GoldStateSpec, days: string[]) => merge(mergeHistorySql(s, history, days, 'duckdb'));
  const currentRows = () => run(`SELECT * FROM ${T(current)} ORDER BY num_oper, cod_idef_ver_oper`);
  const historyRows = () => run(`SELECT * FROM ${T(history)} ORDER BY num_oper, cod_idef_ver_oper, valid_from NULLS FIRST, anomesdia`);
  const expected = async (s: GoldStateSpec) =>
    run(`SELECT * FROM (${currentStateSql(T(gold), s, goldColumns, 'duckdb')}) ORDER BY num_oper, cod_idef_ver_oper`);

  beforeEach(async () => {
    await duck.conn.run('DROP SCHEMA IF EXISTS db CASCADE');
    await duck.conn.run('CREATE SCHEMA db');
    const cols = [...goldColumns, { name: 'anomesdia', type: 'string' as const }];
    await duck.conn.run(
      `CREATE TABLE ${T(gold)} (${cols.map((c) => `${q(c.name)} ${c.type === 'decimal' ? 'DECIMAL(18,2)' : { string: 'VARCHAR', integer: 'INTEGER', timestamp: 'TIMESTAMP', boolean: 'BOOLEAN' }[c.type as 'string']}`).join(', ')})`,
    );
    for (const sql of createStateTableSql(current, currentStateColumns(spec), 'unused', 'duckdb')) await duck.conn.run(sql);
    for (const sql of createStateTableSql(history, historyColumns(spec), 'unused', 'duckdb')) await duck.conn.run(sql);
  });

  it('inserts new keys, updates a key only when the incoming tuple wins, and a rerun changes nothing', async () => {
    await writeDay('20240119', [op('A', 5), op('B', 5)]);
    expect(await state(spec, ['20240119'])).toBe(2);
    // Day 2: A comes with an older event (loses), B with a newer one (wins), C is new.
    await writeDay('20240120', [op('A', 1), op('B', 9), op('C', 2)]);
    expect(await state(spec, ['20240120'])).toBe(2);
    const rows = await currentRows();
    expect(rows.map((r) => [r.num_oper, r.anomesdia, r.vlr_oper])).toEqual([
      ['A', '20240119', 1005n],
      ['B', '20240120', 1009n],
      ['C', '20240120', 1002n],
    ]);
    expect(await state(spec, ['20240120'])).toBe(0);
    expect(await state(spec, ['20240119', '20240120'])).toBe(0);
    expect(await currentRows()).toEqual(rows);
  });

  it('corrects the state when a partition is rebuilt with a worse row or without a key', async () => {
    await writeDay('20240119', [op('A', 5), op('B', 5)]);
    await writeDay('20240120', [op('A', 9), op('B', 9), op('C', 1)]);
    await state(spec, ['20240119', '20240120']);
    // Day 2 rebuilt: A's event is now older than day 1's, B and C are gone from it.
    await writeDay('20240120', [op('A', 2)]);
    expect(await state(spec, ['20240120'])).toBe(3);
    expect((await currentRows()).map((r) => [r.num_oper, r.anomesdia, r.vlr_oper])).toEqual([
      ['A', '20240119', 1005n],
      ['B', '20240119', 1005n],
    ]);
    expect(await currentRows()).toEqual(await expected(spec));
  });

  it('deletes a key whose winning event is a delete, and brings it back when a later event wins', async () => {
    await writeDay('20240119', [op('A', 5), op('B', 5)]);
    await state(withDeletes, ['20240119']);
    await writeDay('20240120', [op('A', 6, { flg_ativo: false }), op('B', 4, { flg_ativo: false })]);
    expect(await state(withDeletes, ['20240120'])).toBe(1);
    expect((await currentRows()).map((r) => r.num_oper)).toEqual(['B']);
    // The delete stays in gold, so a later day still resolves against it: an older event does not resurrect A.
    await writeDay('20240121', [op('A', 3)]);
    expect(await state(withDeletes, ['20240121'])).toBe(0);
    await writeDay('20240122', [op('A', 8)]);
    expect(await state(withDeletes, ['20240122'])).toBe(1);
    expect((await currentRows()).map((r) => [r.num_oper, r.anomesdia])).toEqual([
      ['A', '20240122'],
      ['B', '20240119'],
    ]);
    expect(await currentRows()).toEqual(await expected(withDeletes));
  });

  it('keeps SCD2 intervals ordered by the decision fields when versions arrive out of order, and closes on a delete', async () => {
    await writeDay('20240119', [op('A', 5)]);
    await hist(withDeletes, ['20240119']);
    // An older version arrives a day later, then a newer one, then a delete.
    await writeDay('20240120', [op('A', 1)]);
    await hist(withDeletes, ['20240120']);
    await writeDay('20240121', [op('A', 9)]);
    await hist(withDeletes, ['20240121']);
    const versions = (await historyRows()).map((r) => [r.anomesdia, r.valid_from, r.valid_to, r.is_current]);
    expect(versions).toEqual([
      ['20240120', BASE + 1 * HOUR, BASE + 5 * HOUR, false],
      ['20240119', BASE + 5 * HOUR, BASE + 9 * HOUR, false],
      ['20240121', BASE + 9 * HOUR, null, true],
    ]);
    expect(await hist(withDeletes, ['20240119', '20240120', '20240121'])).toBe(0);
    await writeDay('20240122', [op('A', 12, { flg_ativo: false })]);
    await hist(withDeletes, ['20240122']);
    expect((await historyRows()).map((r) => [r.anomesdia, r.valid_to, r.is_current]).at(-1)).toEqual(['20240121', BASE + 12 * HOUR, false]);
    // The middle day rebuilt without A: its version leaves history and the interval before it closes on the next.
    await writeDay('20240119', []);
    await hist(withDeletes, ['20240119']);
    expect((await historyRows()).map((r) => [r.anomesdia, r.valid_from, r.valid_to])).toEqual([
      ['20240120', BASE + 1 * HOUR, BASE + 9 * HOUR],
      ['20240121', BASE + 9 * HOUR, BASE + 12 * HOUR],
    ]);
  });

  it('equals the current-state query over all of gold after random writes and rebuilds (12 seeds), history agreeing', async () => {
    // SEED=n replays one seed.
    for (let seed = Number(process.env.SEED ?? 1); seed <= Number(process.env.SEED ?? 12); seed++) {
      await duck.conn.run(`DELETE FROM ${T(gold)}; DELETE FROM ${T(current)}; DELETE FROM ${T(history)}`);
      const rnd = random(seed);
      const s = seed % 2 === 0 ? withDeletes : spec;
      const days = ['20240119', '20240120', '20240121', '20240122'];
      for (let step = 0; step < 6; step++) {
        // A few days (re)written in one run, each holding at most one row per key as a consolidation writes it.
        const written = days.filter(() => rnd() < 0.4);
        if (written.length === 0) written.push(days[Math.floor(rnd() * days.length)]!);
        for (const day of written) {
          const byKey = new Map<string, Row>();
          for (const r of randomRows(rnd, Math.floor(rnd() * 30), { nullRate: 0.1 })) {
            if (r.num_oper === null || r.cod_idef_ver_oper === null) continue;
            byKey.set(`${r.num_oper}|${r.cod_idef_ver_oper}`, { ...r, origem: operationRules.origens[Math.floor(rnd() * 3)]! });
          }
          await writeDay(day, [...byKey.values()]);
        }
        await state(s, written);
        await hist(s, written);
        const want = await expected(s);
        expect(await currentRows(), `seed ${seed} step ${step}`).toEqual(want);
        // The last version of each key in history is the current state's row.
        const currentVersions = (await historyRows())
          .filter((r) => r.is_current)
          .map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !HISTORY_ONLY.has(k))));
        expect(currentVersions, `history, seed ${seed} step ${step}`).toEqual(want);
        expect(await state(s, written), `rerun, seed ${seed} step ${step}`).toBe(0);
        expect(await hist(s, written), `history rerun, seed ${seed} step ${step}`).toBe(0);
      }
    }
  }, 180_000);

  it('adds the columns a table lacks, found through information_schema', async () => {
    const wider = [...currentStateColumns(spec), { name: 'des_canal', type: 'string' as const }];
    const have = new Set((await run(stateTableColumnsSql(current, 'duckdb').sql)).map((r) => r.column_name));
    for (const sql of addColumnsSql(
      current,
      wider.filter((c) => !have.has(c.name)),
      'duckdb',
    ))
      await duck.conn.run(sql);
    expect((await run(stateTableColumnsSql(current, 'duckdb').sql)).map((r) => r.column_name)).toEqual(wider.map((c) => c.name));
    expect(
      addColumnsSql(
        current,
        [
          { name: 'x', type: 'integer' },
          { name: 'y', type: 'decimal', precision: 20, scale: 4 },
        ],
        'athena',
      ),
    ).toEqual(['ALTER TABLE `db`.`gold_current` ADD COLUMNS (`x` int, `y` decimal(20,4))']);
  });

  it('refuses a day that is not yyyymmdd and a marker value that does not fit its column', () => {
    expect(() => mergeCurrentStateSql(spec, current, ["2024'; DROP"], 'duckdb')).toThrow(GoldStateInputError);
    expect(() => mergeCurrentStateSql(spec, current, [], 'duckdb')).toThrow(/No anomesdia/);
    const bad = { ...spec, deleteMarker: { field: 'vlr_oper', values: ['x'] } };
    expect(() => mergeCurrentStateSql(bad, current, ['20240119'], 'duckdb')).toThrow(/not a number/);
  });
});

describe('gold state SQL dialects', () => {
  it('writes an Iceberg table in Athena DDL (backticks, Hive types) and the same MERGE text but for nothing', () => {
    const [ddl] = createStateTableSql(current, currentStateColumns(spec), 's3://gold/db/gold_current/', 'athena');
    expect(ddl).toBe(
      'CREATE TABLE IF NOT EXISTS `db`.`gold_current` (`num_oper` string, `cod_idef_ver_oper` int, `dat_vlr_even_oper` timestamp, ' +
        '`num_prio_even_oper` int, `dat_recm_even_oper` timestamp, `vlr_oper` decimal(18,2), `cod_moed` string, `flg_ativo` boolean, ' +
        "`origem` string, `anomesdia` string) LOCATION 's3://gold/db/gold_current/' TBLPROPERTIES ('table_type' = 'ICEBERG', " +
        "'format' = 'parquet', 'write_compression' = 'zstd')",
    );
    // Both engines take the DML as written: double-quoted identifiers, standard types.
    for (const [a, d] of [
      [
        mergeCurrentStateSql(withDeletes, current, ['20240119'], 'athena'),
        mergeCurrentStateSql(withDeletes, current, ['20240119'], 'duckdb'),
      ],
      [mergeHistorySql(withDeletes, history, ['20240119'], 'athena'), mergeHistorySql(withDeletes, history, ['20240119'], 'duckdb')],
    ])
      expect(a).toBe(d);
  });
});
