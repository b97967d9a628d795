import { describe, expect, it } from 'vitest';
import { readParquet } from '../../support/parquet.js';
import { writeColumns } from '../../../lambdas/core/columnar/writer.js';
import type { CellValue, TableColumn } from '../../../lambdas/core/columnar/types.js';

/** The columns' values (one array per column, in column order) written through writeColumns. */
function write(columns: TableColumn[], values: CellValue[][]): Uint8Array {
  return writeColumns({ columns, data: Object.fromEntries(columns.map((c, i) => [c.name, values[i]!])), rowCount: values[0]!.length });
}

describe('writeColumns', () => {
  it('writes plain values (times as epoch µs, longs and decimals as bigints) that read back as the declared types', async () => {
    const columns = [
      { name: 's', type: 'string' as const },
      { name: 'l', type: 'long' as const },
      { name: 't', type: 'timestamp' as const },
      { name: 'd', type: 'date' as const },
      { name: 'm', type: 'decimal' as const, precision: 12, scale: 2 },
    ];
    const bytes = write(columns, [
      ['é', null],
      [9007199254740993n, null],
      [Date.UTC(2024, 0, 19, 10) * 1000 + 7, null],
      [Date.UTC(1990, 4, 17), null],
      [123456n, null],
    ]);
    const back = await readParquet(bytes);
    expect(back.data).toEqual({
      s: ['é', null],
      l: [9007199254740993n, null],
      t: [Date.UTC(2024, 0, 19, 10) * 1000 + 7, null],
      d: [new Date(Date.UTC(1990, 4, 17)), null],
      m: [123456n, null],
    });
  });

  it('writes decimals above 18 digits as FIXED_LEN_BYTE_ARRAY, reading back the same values', async () => {
    const columns = [
      { name: 'big', type: 'decimal' as const, precision: 24, scale: 2 },
      { name: 's', type: 'string' as const },
    ];
    const bytes = write(columns, [
      [123456n, null, -750n, -(10n ** 24n - 1n)],
      ['a', 'b', null, 'c'],
    ]);
    const back = await readParquet(bytes);
    expect(back.data).toEqual({ big: [123456n, null, -750n, -(10n ** 24n - 1n)], s: ['a', 'b', null, 'c'] });
  });
});
