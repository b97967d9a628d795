import { describe, expect, it } from 'vitest';
import { readFlatParquet } from '../../lambdas/core/consolidate/flat-parquet-reader.js';
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

  it('reads only the named columns', () => {
    const bytes = writeParquet(tableFromRows(operationColumns, randomRows(random(1), 10)));
    expect(Object.keys(readFlatParquet(bytes, ['cod_moed', 'num_oper']).data)).toEqual(['num_oper', 'cod_moed']);
  });
});
