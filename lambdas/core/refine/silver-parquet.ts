// Writes silver rows as snappy Parquet with the schema of lambdas/core/parquet.ts, fast: strings are
// UTF-8 encoded in bulk into one buffer (hyparquet-writer would allocate one array per value, which
// dominates its time on a million rows), and times are handed over as epoch integers, not Dates.
import { parquetWriteBuffer, type ColumnSource } from 'hyparquet-writer';
import type { SchemaElement } from 'hyparquet';
import { columnLength, isNumericColumn, type FlatColumnData } from '../column-data.js';
import { flatParquetSupports, writeFlatParquet } from '../consolidate/flat-parquet-writer.js';
import { parquetSchemaElement, type TableColumn } from '../parquet.js';
import type { PlainValue } from './coerce.js';

const DAY_MS = 86_400_000;

/**
 * UTF-8 bytes of every string as views of one buffer. A column of few distinct values (a currency, a
 * status) encodes each distinct value once; any other is encoded in one pass over all its values.
 */
export function encodeStrings(values: readonly PlainValue[]): (Uint8Array | null)[] {
  const sample = new Set<PlainValue>();
  const sampled = Math.min(values.length, 1_000);
  for (let i = 0; i < sampled; i++) sample.add(values[i]!);
  return sample.size * 2 < sampled ? encodeDistinct(values) : encodeAll(values);
}

function viewsOf(strings: readonly string[]): Uint8Array[] {
  const joined = strings.join('');
  const bytes = Buffer.from(joined, 'utf8');
  const ascii = bytes.length === joined.length;
  const out = new Array<Uint8Array>(strings.length);
  let at = bytes.byteOffset;
  for (let i = 0; i < strings.length; i++) {
    const s = strings[i]!;
    const length = ascii ? s.length : Buffer.byteLength(s, 'utf8');
    // A plain Uint8Array view: cheaper to make than a Buffer slice, and no copy of the bytes.
    out[i] = new Uint8Array(bytes.buffer, at, length);
    at += length;
  }
  return out;
}

function encodeAll(values: readonly PlainValue[]): (Uint8Array | null)[] {
  const strings: string[] = [];
  for (const v of values) if (typeof v === 'string') strings.push(v);
  const views = viewsOf(strings);
  let next = 0;
  return values.map((v) => (typeof v === 'string' ? views[next++]! : null));
}

function encodeDistinct(values: readonly PlainValue[]): (Uint8Array | null)[] {
  const index = new Map<string, number>();
  const distinct: string[] = [];
  for (const v of values) if (typeof v === 'string' && !index.has(v)) index.set(v, distinct.push(v) - 1);
  const views = viewsOf(distinct);
  return values.map((v) => (typeof v === 'string' ? views[index.get(v)!]! : null));
}

function columnData(column: TableColumn, values: PlainValue[]): ColumnSource['data'] {
  switch (column.type) {
    case 'string':
      return encodeStrings(values) as unknown as ColumnSource['data'];
    case 'long':
    case 'timestamp':
      return values.map((v) => (v === null ? null : BigInt(v as number)));
    case 'date':
      return values.map((v) => (v === null ? null : Math.floor((v as number) / DAY_MS)));
    default:
      return values;
  }
}

/** A column's values as plain values (a numeric column's booleans as booleans). */
function plainValues(column: TableColumn, data: FlatColumnData): PlainValue[] {
  if (!isNumericColumn(data)) return Array.from(data as ArrayLike<PlainValue>);
  const { numbers, present } = data;
  return Array.from(numbers, (n, i) => (present[i] === 0 ? null : column.type === 'boolean' ? n !== 0 : n));
}

/** Columns of plain values or typed numbers (timestamps and dates as epoch milliseconds) to Parquet bytes. */
export function writeSilverParquet(columns: readonly TableColumn[], data: readonly FlatColumnData[], kvMetadata: { key: string; value: string }[] = []): Uint8Array {
  // The flat writer takes the plain values as they are (no per-value BigInt or byte array): several
  // times faster, min/max statistics included; only decimals above 18 digits need hyparquet-writer.
  if (flatParquetSupports(columns)) {
    const table = { columns: [...columns], data: Object.fromEntries(columns.map((c, i) => [c.name, data[i]!])), rowCount: columnLength(data[0]) };
    return writeFlatParquet(table, { rowGroupSize: 100_000, kvMetadata });
  }
  const schema: SchemaElement[] = [{ name: 'root', num_children: columns.length }, ...columns.map(parquetSchemaElement)];
  const buffer = parquetWriteBuffer({
    columnData: columns.map((c, i) => ({ name: c.name, data: columnData(c, plainValues(c, data[i]!)) })),
    schema,
    codec: 'SNAPPY',
    statistics: true,
    rowGroupSize: 100_000,
    kvMetadata,
    createdBy: 'medallion-pipeline',
  });
  return new Uint8Array(buffer);
}
