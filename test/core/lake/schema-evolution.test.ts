// The comparison of a table's previous columns with the config's: what counts as added, removed, widened and incompatible.
import { describe, expect, it } from 'vitest';
import type { TableColumn } from '../../../lambdas/core/columnar/types.js';
import {
  compareLakeSchemas,
  compareTableSchemas,
  describeEvolution,
  widens,
  type TableSchema,
} from '../../../lambdas/core/lake/schema-evolution.js';

const table = (columns: TableColumn[], partitionKeys = ['anomesdia']): TableSchema => ({
  database: 'db_sales',
  name: 'orders',
  columns,
  partitionKeys,
});
const int = (name: string): TableColumn => ({ name, type: 'integer' });
const dec = (name: string, precision: number, scale: number): TableColumn => ({ name, type: 'decimal', precision, scale });

describe('widens', () => {
  it.each([
    [int('a'), { name: 'a', type: 'long' }],
    [int('a'), { name: 'a', type: 'double' }],
    [
      { name: 'a', type: 'long' },
      { name: 'a', type: 'double' },
    ],
    [dec('a', 10, 2), dec('a', 12, 2)],
    [dec('a', 10, 2), dec('a', 12, 4)],
  ] as [TableColumn, TableColumn][])('%o -> %o widens', (from, to) => {
    expect(widens(from, to)).toBe(true);
  });

  it.each([
    [{ name: 'a', type: 'long' }, int('a')],
    [
      { name: 'a', type: 'double' },
      { name: 'a', type: 'long' },
    ],
    [{ name: 'a', type: 'string' }, int('a')],
    [int('a'), { name: 'a', type: 'string' }],
    [dec('a', 12, 2), dec('a', 10, 2)],
    [dec('a', 10, 4), dec('a', 10, 2)],
    // More scale but fewer digits before the point: 12345678.90 would not fit decimal(10,4).
    [dec('a', 10, 2), dec('a', 10, 4)],
    [int('a'), dec('a', 18, 2)],
    [
      { name: 'a', type: 'date' },
      { name: 'a', type: 'timestamp' },
    ],
  ] as [TableColumn, TableColumn][])('%o -> %o does not', (from, to) => {
    expect(widens(from, to)).toBe(false);
  });
});

describe('compareTableSchemas', () => {
  it('sorts a change into added, widened and removed columns, and says so in one line', () => {
    const before = table([{ name: 'id', type: 'string' }, int('qty'), dec('total', 10, 2), { name: 'status', type: 'string' }]);
    const after = table([
      { name: 'id', type: 'string' },
      { name: 'qty', type: 'long' },
      dec('total', 12, 2),
      { name: 'channel', type: 'string' },
    ]);
    const e = compareTableSchemas(before, after);
    expect(e.added.map((c) => c.name)).toEqual(['channel']);
    expect(e.removed.map((c) => c.name)).toEqual(['status']);
    expect(e.widened.map((w) => w.to.name)).toEqual(['qty', 'total']);
    expect(e.incompatible).toEqual([]);
    expect(describeEvolution(e)).toBe(
      'table db_sales.orders: added channel; widened qty integer -> long, total decimal(10,2) -> decimal(12,2); removed status',
    );
  });

  it('reads a rename as the old column removed and the new one added', () => {
    const e = compareTableSchemas(table([{ name: 'status', type: 'string' }]), table([{ name: 'state', type: 'string' }]));
    expect([e.added.map((c) => c.name), e.removed.map((c) => c.name)]).toEqual([['state'], ['status']]);
  });

  it('treats a json field and a string column as the same stored column', () => {
    const e = compareTableSchemas(table([{ name: 'doc', type: 'string' }]), table([{ name: 'doc', type: 'json' }]));
    expect(e.widened.length + e.incompatible.length).toBe(0);
  });

  it('makes each narrowing or other type one error naming the table, the column, both types and the way out', () => {
    const e = compareTableSchemas(
      table([{ name: 'qty', type: 'long' }, dec('total', 12, 4), { name: 'code', type: 'string' }]),
      table([int('qty'), dec('total', 12, 2), int('code')]),
    );
    expect(e.incompatible.map((x) => [x.column, x.from, x.to])).toEqual([
      ['qty', 'long', 'integer'],
      ['total', 'decimal(12,4)', 'decimal(12,2)'],
      ['code', 'string', 'integer'],
    ]);
    expect(e.incompatible[0]!.message).toMatch(
      /^Table db_sales\.orders column "qty": the config changes its type from long to integer, .*Restore long.*new column name or into a new table and backfill it$/,
    );
  });

  it('refuses a change of the partition keys', () => {
    const e = compareTableSchemas(table([int('a')]), table([int('a')], ['anomesdia', 'hour']));
    expect(e.incompatible.map((x) => [x.column, x.from, x.to])).toEqual([['partition keys', '(anomesdia)', '(anomesdia, hour)']]);
  });
});

describe('compareLakeSchemas', () => {
  it('reports only the tables that changed, and neither a new table nor one no longer declared', () => {
    const other = { ...table([int('x')]), name: 'other' };
    const gone = { ...table([int('x')]), name: 'gone' };
    const fresh = { ...table([int('x')]), name: 'fresh' };
    const result = compareLakeSchemas([table([int('a')]), other, gone], [table([int('a'), int('b')]), other, fresh]);
    expect(result.map((e) => [e.table, e.added.map((c) => c.name)])).toEqual([['db_sales.orders', ['b']]]);
  });
});
