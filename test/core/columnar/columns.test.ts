import { describe, expect, it } from 'vitest';
import {
  cellAt,
  columnLength,
  numericColumn,
  utf8Compare,
  Utf8ColumnBuilder,
  utf8Equal,
  utf8Text,
} from '../../../lambdas/core/columnar/columns.js';
import { cellTable } from '../../support/parquet.js';
import { compareStrings } from '../../../lambdas/core/consolidate/compare.js';

const TEXTS = ['', 'a', 'A', 'ab', 'abc', 'é', 'e\u0301', '😀', '\uE000', '\uFFFD', 'z'.repeat(40), 'ação', 'b'];

function utf8Of(values: (string | null)[], capacity?: number) {
  const builder = new Utf8ColumnBuilder(values.length, capacity);
  values.forEach((v, i) => v !== null && builder.text(i, v));
  return builder.build();
}

describe('Utf8Column', () => {
  it('orders values as compareStrings does (code point order), surrogate pairs and U+E000 included', () => {
    const column = utf8Of(TEXTS);
    for (let i = 0; i < TEXTS.length; i++) {
      for (let j = 0; j < TEXTS.length; j++) {
        expect(Math.sign(utf8Compare(column, i, column, j)), `${TEXTS[i]} vs ${TEXTS[j]}`).toBe(
          Math.sign(compareStrings(TEXTS[i]!, TEXTS[j]!)),
        );
        expect(utf8Equal(column, i, column, j)).toBe(i === j);
      }
    }
  });

  it('grows its buffer from a tiny capacity, copies rows between columns, and keeps nulls', () => {
    const values = Array.from({ length: 500 }, (_, i) => (i % 7 === 0 ? null : `${TEXTS[i % TEXTS.length]}-${i}`));
    const column = utf8Of(values, 1);
    expect(columnLength(column)).toBe(500);
    expect(Array.from({ length: 500 }, (_, i) => cellAt('string', column, i))).toEqual(values);
    const copy = new Utf8ColumnBuilder(500, 1);
    for (let i = 0; i < 500; i++) copy.copyRow(499 - i, column, i);
    const reversed = copy.build();
    expect(Array.from({ length: 500 }, (_, i) => cellAt('string', reversed, i))).toEqual([...values].reverse());
    expect(utf8Text(reversed, 1)).toBe(values[498]);
  });
});

describe('cellAt and cellTable', () => {
  it('gives typed numbers back as the pipeline cells: Dates for dates, booleans for booleans, null where absent', () => {
    const day = Date.UTC(2024, 0, 19);
    const dates = numericColumn(2);
    dates.numbers[0] = day;
    dates.present[0] = 1;
    const flags = numericColumn(2);
    flags.numbers[1] = 1;
    flags.present[1] = 1;
    const table = cellTable({
      columns: [
        { name: 'd', type: 'date' },
        { name: 'b', type: 'boolean' },
        { name: 's', type: 'string' },
        { name: 'missing', type: 'integer' },
      ],
      data: { d: dates, b: flags, s: utf8Of(['x', null]) },
      rowCount: 2,
    });
    expect(table.data).toEqual({ d: [new Date(day), null], b: [null, true], s: ['x', null], missing: [null, null] });
  });
});
