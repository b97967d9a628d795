import { describe, expect, it } from 'vitest';
import { readFlatParquet } from '../../lambdas/core/consolidate/flat-parquet-reader.js';
import { writeFlatParquet } from '../../lambdas/core/consolidate/flat-parquet-writer.js';
import { readParquet, tableFromRows, writeParquet } from '../../lambdas/core/parquet.js';
import { operationColumns, random, randomRows } from './fixtures.js';

describe('readFlatParquet', () => {
  it('reads what hyparquet reads from hyparquet-writer files (dictionary and v2 pages, nulls, several row groups)', async () => {
    const rows = randomRows(random(7), 3000, { nullRate: 0.3 });
    const bytes = writeParquet(tableFromRows(operationColumns, rows), { rowGroupSize: 1000 });
    const expected = await readParquet(bytes);
    const actual = readFlatParquet(bytes);
    expect(actual.rowCount).toBe(3000);
    expect(actual.columns).toEqual(expected.columns);
    for (const c of operationColumns) {
      const asMs = (v: unknown) => (v instanceof Date ? v.getTime() : v);
      expect(actual.data[c.name]!.map(asMs), c.name).toEqual(expected.data[c.name]!.map(asMs));
    }
  });

  it('reads plain INT64 pages (long, timestamp, decimal) as numbers, negatives included', () => {
    const columns = [
      { name: 'l', type: 'long' as const },
      { name: 'ts', type: 'timestamp' as const },
      { name: 'dec', type: 'decimal' as const, precision: 18, scale: 2 },
    ];
    const rows = [-5e15, -1, 0, 1, 2 ** 40 + 3, null].map((n, i) => ({ l: n, ts: n === null ? null : n + i, dec: n === null ? null : Math.round(n / 7) / 100 + 0 }));
    const table = readFlatParquet(writeFlatParquet(tableFromRows(columns, rows)));
    expect(table.data.l).toEqual(rows.map((r) => r.l));
    expect(table.data.ts).toEqual(rows.map((r) => r.ts));
    expect(table.data.dec).toEqual(rows.map((r) => r.dec));
  });

  it('reads only the named columns', () => {
    const bytes = writeParquet(tableFromRows(operationColumns, randomRows(random(1), 10)));
    expect(Object.keys(readFlatParquet(bytes, ['cod_moed', 'num_oper']).data)).toEqual(['num_oper', 'cod_moed']);
  });
});
