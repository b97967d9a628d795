import { describe, expect, it } from 'vitest';
import type { FieldConfig } from '../../../lambdas/core/config.js';
import { isNumericColumn } from '../../../lambdas/core/columnar/columns.js';
import type { FlatColumnData } from '../../../lambdas/core/columnar/types.js';
import type { PlainValue } from '../../../lambdas/core/refine/coerce.js';
import { RowStore } from '../../../lambdas/core/refine/row-store.js';

const fields = [
  { name: 's', type: 'string', required: false },
  { name: 'n', type: 'double', required: false },
  { name: 'b', type: 'boolean', required: false },
  { name: 't', type: 'timestamp', required: false },
] as FieldConfig[];

const plain = (data: FlatColumnData, boolean = false): PlainValue[] =>
  isNumericColumn(data)
    ? Array.from(data.numbers, (n, i) => (data.present[i] ? (boolean ? n === 1 : n) : null))
    : Array.from(data as ArrayLike<PlainValue>);

describe('row store', () => {
  it('holds rows column by column through growth, gives them back in any order, and drops the last row on pop', () => {
    const store = new RowStore(fields, 16);
    const rows: PlainValue[][] = Array.from({ length: 100 }, (_, i) => [
      i % 9 === 0 ? null : `s${i}`,
      i % 4 === 0 ? null : i / 4,
      i % 3 === 0 ? null : i % 2 === 0,
      Date.UTC(2024, 0, 1) + i,
    ]);
    rows.forEach((r, i) => store.append(r, i, `h${i}`, 1_000 + i, i < 50 ? 'run-a' : 'run-b'));
    store.append(['extra', 1, true, 2], 0, 'hx', 0, 'run-c');
    store.pop();
    expect(store.length).toBe(100);
    expect(store.row(37)).toEqual(rows[37]);
    const order = Uint32Array.from([99, 0, 42, 7]);
    expect(plain(store.fieldColumn(0, order))).toEqual([...order].map((i) => rows[i]![0]));
    expect(plain(store.fieldColumn(1, order))).toEqual([...order].map((i) => rows[i]![1]));
    expect(plain(store.fieldColumn(2, order), true)).toEqual([...order].map((i) => rows[i]![2]));
    expect(plain(store.fieldColumn(3, order))).toEqual([...order].map((i) => rows[i]![3]));
    expect(plain(store.lineageColumn('_content_hash', order))).toEqual(['h99', 'h0', 'h42', 'h7']);
    expect(plain(store.lineageColumn('_run_id', order))).toEqual(['run-b', 'run-a', 'run-a', 'run-a']);
    // Ingestion instants are kept in ms and written as the timestamp column's epoch µs.
    expect(plain(store.lineageColumn('_ingested_at', order))).toEqual([1099000, 1000000, 1042000, 1007000]);
    expect(store.sortKey(1)(4)).toBeNull();
    expect(store.sortKey(0)(1)).toBe('s1');
  });

  it('calls rows equal only when every field is, null apart from zero and false, -0 equal to 0', () => {
    const store = new RowStore(fields);
    const at = (r: PlainValue[]) => store.append(r, 0, 'h', 0, 'run');
    const a = at(['x', 0, false, 5]);
    expect(store.sameValues(a, at(['x', -0, false, 5]))).toBe(true);
    expect(store.sameValues(a, at(['x', null, false, 5]))).toBe(false);
    expect(store.sameValues(a, at(['x', 0, null, 5]))).toBe(false);
    expect(store.sameValues(a, at([null, 0, false, 5]))).toBe(false);
    expect(store.sameValues(a, at(['x', 0, true, 5]))).toBe(false);
  });
});
