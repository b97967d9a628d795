// Column values as silver and consolidation hold them: an array of cells (bigints for longs and decimals); for
// other numeric types, numbers in a Float64Array with a presence byte per row; for strings, their UTF-8 bytes in one buffer. A million
// timestamps or strings held so are a few objects; in a plain array they are a million boxed numbers or
// strings that the garbage collector has to mark and move.
import type { CellValue, FlatColumnData, FlatTable, NumericColumn, TableColumn, Utf8Column } from './types.js';
import { InvariantError } from '../errors.js';

export function isNumericColumn(data: FlatColumnData): data is NumericColumn {
  return (data as NumericColumn).numbers instanceof Float64Array;
}

export function isUtf8Column(data: FlatColumnData): data is Utf8Column {
  return (data as Utf8Column).lengths instanceof Int32Array;
}

/** Types whose values a NumericColumn holds without loss (a number per row): not strings or JSON text, nor longs and decimals (bigint cells). */
export function holdsNumbers(column: TableColumn): boolean {
  return column.type !== 'string' && column.type !== 'json' && column.type !== 'long' && column.type !== 'decimal';
}

/** Epoch microseconds as ISO-8601 UTC to the microsecond: 2024-03-14T10:15:30.123456Z. */
export function timestampText(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, -1)}${String(micros - ms * 1000).padStart(3, '0')}Z`;
}

/** An unscaled decimal as exact text at its scale: 123456n at scale 2 is "1234.56". */
export function decimalText(unscaled: bigint, scale: number): string {
  if (scale === 0) return unscaled.toString();
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
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
  throw new InvariantError(`a ${typeof value} value cannot be held in a numeric column`);
}

/** Row i as the pipeline's in-memory value: null, or a Date for dates and a boolean for booleans. */
export function cellAt(type: TableColumn['type'], data: FlatColumnData | undefined, i: number): CellValue {
  if (data === undefined) return null;
  if (isUtf8Column(data)) return data.lengths[i]! < 0 ? null : utf8Text(data, i);
  if (!isNumericColumn(data)) return data[i] ?? null;
  if (data.present[i] === 0) return null;
  const n = data.numbers[i]!;
  return type === 'date' ? new Date(n) : type === 'boolean' ? n !== 0 : n;
}

/** A column's cells as an array (the column itself when it is one). */
export function cellsOf(column: TableColumn, data: FlatColumnData): ArrayLike<CellValue | undefined> {
  if (!isNumericColumn(data) && !isUtf8Column(data)) return data;
  return Array.from({ length: columnLength(data) }, (_, i) => cellAt(column.type, data, i));
}

export function columnLength(data: FlatColumnData | undefined): number {
  if (data === undefined) return 0;
  if (isUtf8Column(data)) return data.lengths.length;
  return isNumericColumn(data) ? data.numbers.length : data.length;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Row i of a UTF-8 column as text (it must not be null). */
export function utf8Text(column: Utf8Column, i: number): string {
  const start = column.starts[i]!;
  return decoder.decode(column.bytes.subarray(start, start + column.lengths[i]!));
}

/** Row i of a against row j of b in UTF-8 byte order (code point order); neither may be null. */
export function utf8Compare(a: Utf8Column, i: number, b: Utf8Column, j: number): number {
  const x = a.bytes;
  const y = b.bytes;
  const la = a.lengths[i]!;
  const lb = b.lengths[j]!;
  let p = a.starts[i]!;
  let q = b.starts[j]!;
  const end = p + (la < lb ? la : lb);
  for (; p < end; p++, q++) if (x[p] !== y[q]) return x[p]! < y[q]! ? -1 : 1;
  return la - lb;
}

export function utf8Equal(a: Utf8Column, i: number, b: Utf8Column, j: number): boolean {
  const la = a.lengths[i]!;
  if (la !== b.lengths[j]) return false;
  const x = a.bytes;
  const y = b.bytes;
  for (let p = a.starts[i]!, q = b.starts[j]!, end = p + la; p < end; p++, q++) if (x[p] !== y[q]) return false;
  return true;
}

/** Copies `length` bytes of `source` from `from` into `target` at `at`. */
export function copyBytes(target: Uint8Array, at: number, source: Uint8Array, from: number, length: number): void {
  // Short values (the usual keys and codes) copy faster byte by byte than through a subarray view.
  if (length < 32) for (let k = 0; k < length; k++) target[at + k] = source[from + k]!;
  else target.set(source.subarray(from, from + length), at);
}

/** Builds a UTF-8 column row by row (rows never set stay null), growing its byte buffer as needed. */
export class Utf8ColumnBuilder {
  private bytes: Uint8Array;
  private used = 0;
  private readonly starts: Uint32Array;
  private readonly lengths: Int32Array;

  constructor(rows: number, byteCapacity = rows * 16) {
    this.bytes = new Uint8Array(Math.max(64, byteCapacity));
    this.starts = new Uint32Array(rows);
    this.lengths = new Int32Array(rows).fill(-1);
  }

  private reserve(extra: number): void {
    if (this.used + extra <= this.bytes.length) return;
    const next = new Uint8Array(Math.max(this.bytes.length * 2, this.used + extra));
    next.set(this.bytes.subarray(0, this.used));
    this.bytes = next;
  }

  /** Row r's value: `length` bytes of `source` from `from`. */
  copy(r: number, source: Uint8Array, from: number, length: number): void {
    this.reserve(length);
    const at = this.used;
    copyBytes(this.bytes, at, source, from, length);
    this.starts[r] = at;
    this.lengths[r] = length;
    this.used = at + length;
  }

  /** Row r's value from a row of another UTF-8 column (null stays null). */
  copyRow(r: number, column: Utf8Column, i: number): void {
    const length = column.lengths[i]!;
    if (length >= 0) this.copy(r, column.bytes, column.starts[i]!, length);
  }

  /** Row r's value from text. */
  text(r: number, value: string): void {
    this.reserve(value.length * 3);
    const { written } = encoder.encodeInto(value, this.bytes.subarray(this.used));
    this.starts[r] = this.used;
    this.lengths[r] = written;
    this.used += written;
  }

  build(): Utf8Column {
    return { bytes: this.bytes, starts: this.starts, lengths: this.lengths };
  }
}

/** The table's rows `rows` (indexes, in that order) as a new table, each column kept in its form. */
export function takeRows(table: FlatTable, rows: ArrayLike<number>): FlatTable {
  const n = rows.length;
  const data: Record<string, FlatColumnData> = {};
  for (const column of table.columns) {
    const from = table.data[column.name];
    if (from === undefined) continue;
    if (isUtf8Column(from)) {
      const out = new Utf8ColumnBuilder(n);
      for (let r = 0; r < n; r++) out.copyRow(r, from, rows[r]!);
      data[column.name] = out.build();
    } else if (isNumericColumn(from)) {
      const out = numericColumn(n);
      for (let r = 0; r < n; r++) {
        out.numbers[r] = from.numbers[rows[r]!]!;
        out.present[r] = from.present[rows[r]!]!;
      }
      data[column.name] = out;
    } else data[column.name] = Array.from({ length: n }, (_, r) => from[rows[r]!] ?? null);
  }
  return { columns: table.columns, data, rowCount: n };
}
