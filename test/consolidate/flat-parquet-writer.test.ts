import { describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flatParquetSupports, writeFlatParquet } from '../../lambdas/core/consolidate/flat-parquet-writer.js';
import { readParquet, rowsFromTable, tableFromRows, type CellValue, type TableColumn } from '../../lambdas/core/parquet.js';

const columns: TableColumn[] = [
  { name: 's', type: 'string' },
  { name: 'i', type: 'integer' },
  { name: 'l', type: 'long' },
  { name: 'd', type: 'double' },
  { name: 'b', type: 'boolean' },
  { name: 'dt', type: 'date' },
  { name: 'ts', type: 'timestamp' },
  { name: 'dec9', type: 'decimal', precision: 9, scale: 2 },
  { name: 'dec18', type: 'decimal', precision: 18, scale: 2 },
];
const STRINGS = ['OP1', 'ação', '😀 emoji', '', 'z'];
const rows: Record<string, CellValue>[] = Array.from({ length: 37 }, (_, n) => ({
  s: n % 6 === 5 ? null : STRINGS[n % 5]!,
  i: n % 4 === 0 ? null : n - 18,
  l: n % 5 === 0 ? null : (n - 18) * 1e12,
  d: n % 3 === 0 ? null : n / 7,
  b: n % 7 === 0 ? null : n % 2 === 0,
  dt: n % 8 === 0 ? null : new Date(Date.UTC(2024, 0, n + 1)),
  ts: n % 9 === 0 ? null : new Date(Date.UTC(1969, 11, 31) + n * 3_600_123),
  dec9: n % 2 === 0 ? null : (n - 18) * 1.25,
  dec18: n % 3 === 1 ? null : Math.round((n - 18) * 123456789) / 100,
}));

describe('writeFlatParquet', () => {
  it('round-trips every column type with nulls across several pages and row groups', async () => {
    const bytes = writeFlatParquet(tableFromRows(columns, rows), { rowGroupSize: 16, pageRows: 5 });
    // hyparquet reads a decimal as unscaled * 10^-scale, which can miss the nearest double by one ulp.
    const cents = (r: Record<string, CellValue>) => ({ ...r, dec18: r.dec18 === null ? null : Math.round((r.dec18 as number) * 100) });
    const back = rowsFromTable(await readParquet(bytes));
    expect(back.map(cents)).toEqual(rows.map(cents));
  });

  it('writes files DuckDB reads with the declared types and values', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flat-parquet-'));
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      const file = join(dir, 'x.parquet');
      await writeFile(file, writeFlatParquet(tableFromRows(columns, rows), { pageRows: 10 }));
      const types = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).getRowObjects().map((r) => r.column_type);
      expect(types).toEqual(['VARCHAR', 'INTEGER', 'BIGINT', 'DOUBLE', 'BOOLEAN', 'DATE', 'TIMESTAMP', 'DECIMAL(9,2)', 'DECIMAL(18,2)']);
      const sums = (await conn.runAndReadAll(`SELECT count(s)::INTEGER AS s, sum(i)::INTEGER AS i, sum(dec18)::DOUBLE AS dec18, count(ts)::INTEGER AS ts, max(s) AS smax FROM read_parquet('${file}')`)).getRowObjectsJS();
      const present = (name: string) => rows.filter((r) => r[name] !== null);
      expect(sums[0]).toEqual({
        s: present('s').length,
        i: present('i').reduce((n, r) => n + (r.i as number), 0),
        dec18: expect.closeTo(present('dec18').reduce((n, r) => n + (r.dec18 as number), 0), 2),
        ts: present('ts').length,
        smax: '😀 emoji',
      });
    } finally {
      conn.closeSync();
      db.closeSync();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('writes an empty table, and declines decimals above 18 digits', async () => {
    expect((await readParquet(writeFlatParquet(tableFromRows(columns, [])))).rowCount).toBe(0);
    expect(flatParquetSupports([{ name: 'x', type: 'decimal', precision: 38, scale: 2 }])).toBe(false);
    expect(() => writeFlatParquet(tableFromRows([{ name: 'x', type: 'decimal', precision: 38 }], []))).toThrow('decimals up to 18 digits');
  });
});
