// Column values as silver and consolidation hold them: an array of cells, or, for numeric types, numbers
// in a Float64Array with a presence byte per row. A million timestamps in a typed array are one object;
// in a plain array they are a million boxed numbers that the garbage collector has to mark and move.
import type { CellValue, ColumnTable, TableColumn } from './parquet.js';

/**
 * A numeric column held in typed arrays: the value of row i is numbers[i] when present[i] is 1, else
 * null (booleans as 1/0, dates and timestamps as epoch milliseconds). Writing it boxes no value.
 */
export interface NumericColumn {
  numbers: Float64Array;
  present: Uint8Array;
}

export type FlatColumnData = ArrayLike<CellValue | undefined> | NumericColumn;

export interface FlatTable {
  columns: TableColumn[];
  data: Record<string, FlatColumnData>;
  rowCount: number;
}

export function isNumericColumn(data: FlatColumnData): data is NumericColumn {
  return (data as NumericColumn).numbers instanceof Float64Array;
}

/** Types whose values a NumericColumn holds without loss (a number per row). */
export function holdsNumbers(column: TableColumn): boolean {
  return column.type !== 'string';
}

export function numericColumn(rows: number): NumericColumn {
  return { numbers: new Float64Array(rows), present: new Uint8Array(rows) };
}

/** A present value as the number a NumericColumn keeps (epoch ms for dates, 1/0 for booleans). */
export function toNumber(value: Exclude<CellValue, null> | bigint): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'boolean') return value ? 1 : 0;
  throw new TypeError(`a ${typeof value} value cannot be held in a numeric column`);
}

/** Row i as the pipeline's in-memory value: null, or a Date for dates and a boolean for booleans. */
export function cellAt(type: TableColumn['type'], data: FlatColumnData | undefined, i: number): CellValue {
  if (data === undefined) return null;
  if (!isNumericColumn(data)) return data[i] ?? null;
  if (data.present[i] === 0) return null;
  const n = data.numbers[i]!;
  return type === 'date' ? new Date(n) : type === 'boolean' ? n !== 0 : n;
}

/** A column's cells as an array (the column itself when it is one). */
export function cellsOf(column: TableColumn, data: FlatColumnData): ArrayLike<CellValue | undefined> {
  if (!isNumericColumn(data)) return data;
  return Array.from(data.numbers, (_, i) => cellAt(column.type, data, i));
}

/** The table with every column as an array of cells. */
export function cellTable(table: FlatTable): ColumnTable {
  const data: Record<string, CellValue[]> = {};
  for (const c of table.columns) {
    const values = table.data[c.name];
    data[c.name] = values === undefined ? new Array<CellValue>(table.rowCount).fill(null) : Array.from(cellsOf(c, values), (v) => v ?? null);
  }
  return { columns: table.columns, data, rowCount: table.rowCount };
}

export function columnLength(data: FlatColumnData | undefined): number {
  if (data === undefined) return 0;
  return isNumericColumn(data) ? data.numbers.length : data.length;
}
