import { describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decimalText, numericColumn, toNumber, Utf8ColumnBuilder } from '../../../lambdas/core/columnar/columns.js';
import type { FlatTable, CellValue, TableColumn } from '../../../lambdas/core/columnar/types.js';
import { compareStrings } from '../../../lambdas/core/consolidate/compare.js';
import { writeFlatParquet } from '../../../lambdas/core/columnar/writer.js';
import { readParquet, rowsFromTable, tableFromRows, tableColumns } from '../../support/parquet.js';

const columns: TableColumn[] = tableColumns({
  s: 'string',
  i: 'integer',
  l: 'long',
  d: 'double',
  b: 'boolean',
  dt: 'date',
  ts: 'timestamp',
  dec9: 'decimal(9,2)',
  dec18: 'decimal(18,2)',
  dec38: 'decimal(38,10)',
});
const STRINGS = ['OP1', 'ação', '😀 emoji', '', 'z'];
const rows: Record<string, CellValue>[] = Array.from({ length: 37 }, (_, n) => ({
  s: n % 6 === 5 ? null : STRINGS[n % 5]!,
  i: n % 4 === 0 ? null : n - 18,
  l: n % 5 === 0 ? null : BigInt(n - 18) * 10n ** 12n + (n === 36 ? 2n ** 62n : 0n),
  d: n % 3 === 0 ? null : n / 7,
  b: n % 7 === 0 ? null : n % 2 === 0,
  dt: n % 8 === 0 ? null : new Date(Date.UTC(2024, 0, n + 1)),
  ts: n % 9 === 0 ? null : (Date.UTC(1969, 11, 31) + n * 3_600_123) * 1000 + n,
  dec9: n % 2 === 0 ? null : BigInt((n - 18) * 125),
  dec18: n % 3 === 1 ? null : (BigInt(n - 18) * 123456789012345678n) / 18n,
  dec38: n % 4 === 3 ? null : BigInt(n - 18) * (10n ** 37n / 19n) + BigInt(n),
}));

/** Runs `test` with a DuckDB connection and a scratch folder, both gone afterwards. */
async function withDuckDb(test: (conn: DuckDBConnection, dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'flat-parquet-'));
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    await test(conn, dir);
  } finally {
    conn.closeSync();
    db.closeSync();
    await rm(dir, { recursive: true, force: true });
  }
}

describe('writeFlatParquet', () => {
  it('round-trips every column type with nulls across several pages and row groups', async () => {
    const bytes = writeFlatParquet(tableFromRows(columns, rows), { rowGroupSize: 16, pageRows: 5 });
    expect(rowsFromTable(await readParquet(bytes))).toEqual(rows);
  });

  it('writes files DuckDB reads with the declared types and values', () =>
    withDuckDb(async (conn, dir) => {
      const file = join(dir, 'x.parquet');
      await writeFile(file, writeFlatParquet(tableFromRows(columns, rows), { pageRows: 10 }));
      const types = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).getRowObjects().map((r) => r.column_type);
      expect(types).toEqual([
        'VARCHAR',
        'INTEGER',
        'BIGINT',
        'DOUBLE',
        'BOOLEAN',
        'DATE',
        'TIMESTAMP',
        'DECIMAL(9,2)',
        'DECIMAL(18,2)',
        'DECIMAL(38,10)',
      ]);
      const sums = (
        await conn.runAndReadAll(
          `SELECT count(s)::INTEGER AS s, sum(i)::INTEGER AS i, sum(l)::VARCHAR AS l, sum(dec18)::VARCHAR AS dec18, sum(dec38)::VARCHAR AS dec38,
             sum(epoch_us(ts))::VARCHAR AS ts, max(s) AS smax FROM read_parquet('${file}')`,
        )
      ).getRowObjectsJS();
      const present = (name: string) => rows.filter((r) => r[name] !== null);
      const total = (name: string) => present(name).reduce((n, r) => n + BigInt(r[name] as bigint | number), 0n);
      expect(sums[0]).toEqual({
        s: present('s').length,
        i: present('i').reduce((n, r) => n + (r.i as number), 0),
        l: String(total('l')),
        dec18: decimalText(total('dec18'), 2),
        dec38: decimalText(total('dec38'), 10),
        ts: String(total('ts')),
        smax: '😀 emoji',
      });
    }));

  it('writes min/max statistics per row group that DuckDB reads, and none for text it cannot order like UTF-8', () =>
    withDuckDb(async (conn, dir) => {
      const file = join(dir, 'x.parquet');
      const groupSize = 10;
      await writeFile(file, writeFlatParquet(tableFromRows(columns, rows), { rowGroupSize: groupSize, pageRows: 4 }));
      const meta = (
        await conn.runAndReadAll(
          `SELECT row_group_id::INTEGER AS g, path_in_schema AS c, stats_min_value AS min, stats_max_value AS max, stats_null_count::INTEGER AS nulls FROM parquet_metadata('${file}')`,
        )
      ).getRowObjectsJS();
      const stat = (g: number, c: string) => meta.find((m) => m.g === g && m.c === c)!;
      for (let g = 0; g * groupSize < rows.length; g++) {
        const group = rows.slice(g * groupSize, (g + 1) * groupSize);
        const present = (c: string) => group.map((r) => r[c]).filter((v) => v !== null);
        for (const c of columns) expect(stat(g, c.name).nulls).toBe(group.length - present(c.name).length);
        const range = (values: number[], text: (n: number) => string = String) => ({
          min: text(Math.min(...values)),
          max: text(Math.max(...values)),
        });
        const bigRange = (values: bigint[], text: (n: bigint) => string = String) => {
          const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
          return { min: text(sorted[0]!), max: text(sorted.at(-1)!) };
        };
        expect(stat(g, 'i')).toMatchObject(range(present('i') as number[]));
        expect(stat(g, 'l')).toMatchObject(bigRange(present('l') as bigint[]));
        expect(stat(g, 'dec9')).toMatchObject(bigRange(present('dec9') as bigint[], (n) => decimalText(n, 2)));
        expect(stat(g, 'dec18')).toMatchObject(bigRange(present('dec18') as bigint[], (n) => decimalText(n, 2)));
        expect(stat(g, 'dec38')).toMatchObject({ min: null, max: null });
        expect(stat(g, 'dt')).toMatchObject(
          range(
            (present('dt') as Date[]).map((d) => d.getTime()),
            (n) => new Date(n).toISOString().slice(0, 10),
          ),
        );
        const booleans = present('b');
        expect(stat(g, 'b')).toMatchObject({ min: String(!booleans.includes(false)), max: String(booleans.includes(true)) });
        // JavaScript orders an emoji (a surrogate pair) before 'ção'; UTF-8 bytes, Parquet's order, after.
        const strings = present('s') as string[];
        if (strings.includes('😀 emoji')) expect(stat(g, 's')).toMatchObject({ min: null, max: null });
        else expect(stat(g, 's')).toMatchObject({ min: [...strings].sort()[0], max: [...strings].sort().at(-1) });
      }
      // Gold is sorted by key: a point lookup reads one row group, and finds its row.
      const keys = Array.from({ length: 3_000 }, (_, n) => ({ s: `OP${String(n).padStart(6, '0')}`, i: n }));
      const sorted = join(dir, 'sorted.parquet');
      await writeFile(sorted, writeFlatParquet(tableFromRows([columns[0]!, columns[1]!], keys), { rowGroupSize: 500 }));
      const found = (await conn.runAndReadAll(`SELECT i FROM read_parquet('${sorted}') WHERE s = 'OP002345'`)).getRowObjectsJS();
      expect(found).toEqual([{ i: 2345 }]);
      const ranges = (
        await conn.runAndReadAll(
          `SELECT stats_min_value AS min, stats_max_value AS max FROM parquet_metadata('${sorted}') WHERE path_in_schema = 's' ORDER BY row_group_id`,
        )
      ).getRowObjectsJS();
      expect(ranges.map((r) => [r.min, r.max])).toEqual(
        Array.from({ length: 6 }, (_, g) => [`OP${String(g * 500).padStart(6, '0')}`, `OP${String(g * 500 + 499).padStart(6, '0')}`]),
      );
    }));

  it('writes typed columns (numbers, UTF-8 bytes) as it writes their cells, with exact min/max for any UTF-8 text', () =>
    withDuckDb(async (conn, dir) => {
      const cells = tableFromRows(columns, rows);
      const data: FlatTable['data'] = {};
      for (const c of columns) {
        if (c.type === 'string') {
          const builder = new Utf8ColumnBuilder(rows.length, 8);
          rows.forEach((r, i) => r[c.name] !== null && builder.text(i, r[c.name] as string));
          data[c.name] = builder.build();
        } else if (c.type === 'long' || c.type === 'decimal') {
          data[c.name] = cells.data[c.name]!;
        } else {
          const typed = numericColumn(rows.length);
          rows.forEach((r, i) => {
            if (r[c.name] === null) return;
            typed.numbers[i] = toNumber(r[c.name] as Exclude<CellValue, null>);
            typed.present[i] = 1;
          });
          data[c.name] = typed;
        }
      }
      const typedFile = join(dir, 'typed.parquet');
      await writeFile(typedFile, writeFlatParquet({ columns, data, rowCount: rows.length }, { rowGroupSize: 10, pageRows: 4 }));
      await writeFile(join(dir, 'cells.parquet'), writeFlatParquet(cells, { rowGroupSize: 10, pageRows: 4 }));
      const differences = (
        await conn.runAndReadAll(
          `SELECT count(*)::INTEGER AS n FROM (SELECT * FROM '${typedFile}' EXCEPT ALL SELECT * FROM '${join(dir, 'cells.parquet')}')`,
        )
      ).getRowObjectsJS();
      expect(differences).toEqual([{ n: 0 }]);
      expect((await conn.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM '${typedFile}'`)).getRowObjectsJS()).toEqual([
        { n: rows.length },
      ]);
      // Bytes compare as Parquet orders text, so groups holding an emoji get statistics too.
      const meta = (
        await conn.runAndReadAll(
          `SELECT stats_min_value AS min, stats_max_value AS max FROM parquet_metadata('${typedFile}') WHERE path_in_schema = 's' ORDER BY row_group_id`,
        )
      ).getRowObjectsJS();
      const expected = Array.from({ length: Math.ceil(rows.length / 10) }, (_, g) => {
        const strings = rows
          .slice(g * 10, g * 10 + 10)
          .map((r) => r.s)
          .filter((v): v is string => v !== null)
          .sort(compareStrings);
        return { min: strings[0], max: strings.at(-1) };
      });
      expect(meta).toEqual(expected);
      expect(expected.some((e) => e.max === '😀 emoji')).toBe(true);
    }));

  it('writes an empty table, and refuses a decimal beyond its precision or given as a number', async () => {
    expect((await readParquet(writeFlatParquet(tableFromRows(columns, [])))).rowCount).toBe(0);
    const wide = [{ name: 'x', type: 'decimal' as const, precision: 38, scale: 2 }];
    expect(() => writeFlatParquet(tableFromRows(wide, [{ x: 10n ** 38n }]))).toThrow(
      'value 100000000000000000000000000000000000000 does not fit decimal(38,2)',
    );
    expect(() => writeFlatParquet(tableFromRows(wide, [{ x: 12.5 }]))).toThrow(
      'its values must be bigint (unscaled at the column scale), got number 12.5',
    );
  });
});
