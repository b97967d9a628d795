// The Parquet writer of silver and gold: flat tables of optional columns written PLAIN straight into one
// growing buffer (no per-value objects, no BigInt), definition levels bit-packed, DATA_PAGE v1 pages
// compressed with snappy (hysnappy, WebAssembly), min/max statistics per column chunk (so that Athena,
// Spark and DuckDB skip row groups: gold is sorted by key, silver by time). Page headers and the footer
// are serialised by hyparquet-writer's own thrift code. Longs and decimals arrive as bigint cells and are
// written exactly: decimals unscaled, as INT32, INT64 or big-endian FIXED_LEN_BYTE_ARRAY by precision.
import { copyBytes, isNumericColumn, isUtf8Column, utf8Compare, utf8Text } from './columns.js';
import { ColumnTypeError } from './errors.js';
import {
  ByteWriter,
  snappyCompressor,
  writeMetadata,
  writePageHeader,
  type ColumnChunk,
  type FileMetaData,
  type RowGroup,
  type Statistics,
} from './hyparquet.js';
import { decimalByteLength, parquetSchemaElement, typeName } from './schema.js';
import type { CellValue, FlatColumnData, FlatTable, NumericColumn, TableColumn, Utf8Column } from './types.js';

type MinMaxType = NonNullable<Statistics['min_value']>;

const compress = snappyCompressor();
const MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x31]); // "PAR1"
const DAY_MS = 86_400_000;
const TWO_32 = 4294967296;

export interface WriteColumnsOptions {
  /** Rows per row group [250,000]. */
  rowGroupSize?: number;
  /** Rows per data page [50,000]. */
  pageRows?: number;
  kvMetadata?: { key: string; value: string }[];
}

/** A growable little-endian byte buffer. */
class Buffer {
  bytes = new Uint8Array(1 << 16);
  view = new DataView(this.bytes.buffer);
  offset = 0;

  ensure(extra: number): void {
    if (this.offset + extra <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.offset + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.offset));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }
}

/** The file's parts, joined once at the end: no growing buffer copied over and over. */
class FileParts {
  parts: Uint8Array[] = [];
  offset = 0;

  append(bytes: Uint8Array): void {
    this.parts.push(bytes);
    this.offset += bytes.length;
  }

  appendMagic(): void {
    this.append(MAGIC);
  }

  concat(): Uint8Array {
    const out = new Uint8Array(this.offset);
    let at = 0;
    for (const part of this.parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
}

const encoder = new TextEncoder();
/** A UTF-16 surrogate: JavaScript orders such text unlike UTF-8 bytes (Parquet's order for strings). */
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * The least and greatest present value of a column chunk, as written (integers as stored, strings as
 * text; UTF-8 columns compared as bytes, Parquet's order). `exact` turns false when an order cannot be
 * trusted (NaN, JavaScript text outside the Basic Multilingual Plane): the chunk then gets no min/max,
 * which readers take as "may hold anything".
 */
class ChunkStats {
  min: number | bigint | string | undefined;
  max: number | bigint | string | undefined;
  exact = true;
  nulls = 0;
  /** The column and rows of the least and greatest UTF-8 value, compared as bytes, decoded once at the end. */
  private utf8?: Utf8Column;
  private minRow = -1;
  private maxRow = -1;

  number(n: number): void {
    if (n !== n) this.exact = false;
    else {
      if (this.min === undefined || n < (this.min as number)) this.min = n;
      if (this.max === undefined || n > (this.max as number)) this.max = n;
    }
  }

  bigint(n: bigint): void {
    if (this.min === undefined || n < (this.min as bigint)) this.min = n;
    if (this.max === undefined || n > (this.max as bigint)) this.max = n;
  }

  string(s: string, ascii: boolean): void {
    if (!ascii && SURROGATE.test(s)) this.exact = false;
    if (this.min === undefined || s < (this.min as string)) this.min = s;
    if (this.max === undefined || s > (this.max as string)) this.max = s;
  }

  utf8Row(column: Utf8Column, i: number): void {
    this.utf8 = column;
    if (this.minRow < 0 || utf8Compare(column, i, column, this.minRow) < 0) this.minRow = i;
    if (this.maxRow < 0 || utf8Compare(column, i, column, this.maxRow) > 0) this.maxRow = i;
  }

  /** The chunk's statistics in the form hyparquet-writer's metadata writer encodes. */
  statistics(column: TableColumn): Statistics {
    const out: Statistics = { null_count: BigInt(this.nulls) };
    if (this.utf8 && this.minRow >= 0) {
      this.min = utf8Text(this.utf8, this.minRow);
      this.max = utf8Text(this.utf8, this.maxRow);
    }
    if (!this.exact || this.min === undefined || this.max === undefined) return out;
    let min: MinMaxType = this.min;
    let max: MinMaxType = this.max;
    if (column.type === 'boolean') [min, max] = [this.min === 1, this.max === 1];
    // Decimals as their unscaled integers (bigint: the writer takes them as they are), INT64 as bigint.
    else if (column.type === 'decimal' || column.type === 'long' || column.type === 'timestamp')
      [min, max] = [BigInt(this.min), BigInt(this.max)];
    // The spec's rule for signed zeros: a zero minimum is written -0, a zero maximum +0.
    else if (column.type === 'double') [min, max] = [this.min === 0 ? -0 : this.min, this.max === 0 ? 0 : this.max];
    return { ...out, min_value: min, max_value: max };
  }
}

/** Bit-packs the booleans of rows [start, end); `valueOf(i)` is row i's value, undefined for a null. */
function writeBooleans(out: Buffer, start: number, end: number, valueOf: (i: number) => boolean | undefined, stats: ChunkStats): void {
  out.ensure(Math.ceil((end - start) / 8));
  let bit = 0;
  for (let i = start; i < end; i++) {
    const v = valueOf(i);
    if (v === undefined) continue;
    stats.number(v ? 1 : 0);
    if (bit === 0) out.bytes[out.offset] = 0;
    if (v) out.bytes[out.offset] = out.bytes[out.offset]! | (1 << bit);
    if (++bit === 8) {
      bit = 0;
      out.offset++;
    }
  }
  if (bit > 0) out.offset++;
}

/** Writes one page's present values of a typed numeric column in PLAIN encoding. */
function writeNumericValues(
  out: Buffer,
  column: TableColumn,
  { numbers, present }: NumericColumn,
  start: number,
  end: number,
  stats: ChunkStats,
): void {
  const type = column.type;
  if (type === 'string' || type === 'long' || type === 'decimal')
    throw new ColumnTypeError(
      column.name,
      `column ${column.name} is a ${type} column; it cannot be written from a float64 array (${type === 'string' ? 'strings' : 'bigint cells'} are its form)`,
    );
  if (type === 'boolean') writeBooleans(out, start, end, (i) => (present[i] === 0 ? undefined : numbers[i] !== 0), stats);
  else if (type === 'double') {
    out.ensure((end - start) * 8);
    for (let i = start; i < end; i++) {
      if (present[i] === 0) continue;
      stats.number(numbers[i]!);
      out.view.setFloat64(out.offset, numbers[i]!, true);
      out.offset += 8;
    }
  } else if (type === 'integer' || type === 'date') {
    out.ensure((end - start) * 4);
    const divide = type === 'date' ? DAY_MS : 1;
    for (let i = start; i < end; i++) {
      if (present[i] === 0) continue;
      const n = divide === 1 ? numbers[i]! : Math.floor(numbers[i]! / divide);
      stats.number(n);
      out.view.setInt32(out.offset, n, true);
      out.offset += 4;
    }
  } else {
    // Timestamps: epoch microseconds, integers below 2^53, written as two 32-bit halves.
    out.ensure((end - start) * 8);
    for (let i = start; i < end; i++) {
      if (present[i] === 0) continue;
      const n = numbers[i]!;
      stats.number(n);
      const hi = Math.floor(n / TWO_32);
      out.view.setUint32(out.offset, n - hi * TWO_32, true);
      out.view.setInt32(out.offset + 4, hi, true);
      out.offset += 8;
    }
  }
}

/** A long or decimal cell as the bigint it must be (a long may also be a number that is an exact integer). */
function bigintCell(column: TableColumn, v: CellValue): bigint {
  if (typeof v === 'bigint') return v;
  if (column.type === 'long' && typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  throw new ColumnTypeError(
    column.name,
    `column ${column.name} is ${typeName(column)}: its values must be bigint${column.type === 'decimal' ? ' (unscaled at the column scale)' : ''}, got ${typeof v} ${String(v)}`,
  );
}

/** Bigint cells of a long or decimal column in PLAIN encoding; a decimal beyond its precision is an error, never a wrapped value. */
function writeBigints(
  out: Buffer,
  column: TableColumn,
  values: ArrayLike<CellValue | undefined>,
  start: number,
  end: number,
  stats: ChunkStats,
): void {
  const precision = column.precision ?? 18;
  const isLong = column.type === 'long';
  // Longs: -2^63 <= n < 2^63; decimals: |n| < 10^precision.
  const max = isLong ? 2n ** 63n - 1n : 10n ** BigInt(precision) - 1n;
  const min = isLong ? -(2n ** 63n) : -max;
  const width = isLong ? 8 : precision <= 9 ? 4 : precision <= 18 ? 8 : decimalByteLength(precision);
  // Fixed-length decimals have no statistics here: their byte order is not the numeric one readers would need.
  if (width > 8) stats.exact = false;
  out.ensure((end - start) * width);
  for (let i = start; i < end; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    const n = bigintCell(column, v);
    if (n > max || n < min) throw new ColumnTypeError(column.name, `column ${column.name} value ${n} does not fit ${typeName(column)}`);
    if (width <= 8) stats.bigint(n);
    if (width === 4) out.view.setInt32(out.offset, Number(n), true);
    else if (width === 8) out.view.setBigInt64(out.offset, n, true);
    else {
      // Big-endian two's complement, as the spec stores FIXED_LEN_BYTE_ARRAY decimals.
      let rest = BigInt.asUintN(width * 8, n);
      for (let b = width - 1; b >= 0; b--) {
        out.bytes[out.offset + b] = Number(rest & 0xffn);
        rest >>= 8n;
      }
    }
    out.offset += width;
  }
}

/** Writes one page's present values of a UTF-8 column in PLAIN encoding: the bytes as they are. */
function writeUtf8Values(out: Buffer, column: Utf8Column, start: number, end: number, stats: ChunkStats): void {
  const { bytes, starts, lengths } = column;
  for (let i = start; i < end; i++) {
    const length = lengths[i]!;
    if (length < 0) continue;
    out.ensure(4 + length);
    out.view.setUint32(out.offset, length, true);
    const at = out.offset + 4;
    copyBytes(out.bytes, at, bytes, starts[i]!, length);
    out.offset = at + length;
    stats.utf8Row(column, i);
  }
}

/** Writes one page's non-null values in PLAIN encoding. */
function writeValues(
  out: Buffer,
  column: TableColumn,
  values: ArrayLike<CellValue | undefined>,
  start: number,
  end: number,
  stats: ChunkStats,
): void {
  const type = column.type;
  if (type === 'long' || type === 'decimal') writeBigints(out, column, values, start, end, stats);
  else if (type === 'string') {
    for (let i = start; i < end; i++) {
      const v = values[i];
      if (v === null || v === undefined) continue;
      const s = v as string;
      out.ensure(4 + s.length * 3);
      const at = out.offset + 4;
      let n = 0;
      for (; n < s.length; n++) {
        const c = s.charCodeAt(n);
        if (c >= 0x80) break;
        out.bytes[at + n] = c;
      }
      const ascii = n === s.length;
      if (!ascii) n = encoder.encodeInto(s, out.bytes.subarray(at)).written;
      stats.string(s, ascii);
      out.view.setUint32(out.offset, n, true);
      out.offset = at + n;
    }
  } else if (type === 'boolean') {
    writeBooleans(
      out,
      start,
      end,
      (i) => {
        const v = values[i];
        return v === null || v === undefined ? undefined : Boolean(v);
      },
      stats,
    );
  } else if (type === 'double') {
    out.ensure((end - start) * 8);
    for (let i = start; i < end; i++) {
      const v = values[i];
      if (v === null || v === undefined) continue;
      stats.number(v as number);
      out.view.setFloat64(out.offset, v as number, true);
      out.offset += 8;
    }
  } else if (type === 'integer' || type === 'date') {
    out.ensure((end - start) * 4);
    for (let i = start; i < end; i++) {
      const v = values[i];
      if (v === null || v === undefined) continue;
      const n = type === 'date' ? Math.floor((v instanceof Date ? v.getTime() : (v as number)) / DAY_MS) : (v as number);
      stats.number(n);
      out.view.setInt32(out.offset, n, true);
      out.offset += 4;
    }
  } else {
    // Timestamps: epoch microseconds (a Date to its millisecond), INT64 written as two 32-bit halves.
    out.ensure((end - start) * 8);
    for (let i = start; i < end; i++) {
      const v = values[i];
      if (v === null || v === undefined) continue;
      const n = v instanceof Date ? v.getTime() * 1000 : (v as number);
      stats.number(n);
      const hi = Math.floor(n / TWO_32);
      out.view.setUint32(out.offset, n - hi * TWO_32, true);
      out.view.setInt32(out.offset + 4, hi, true);
      out.offset += 8;
    }
  }
}

/** Definition levels (1 = present) as one bit-packed run, prefixed by its byte length (DATA_PAGE v1). */
function writeLevels(out: Buffer, values: FlatColumnData, start: number, end: number): number {
  const groups = Math.ceil((end - start) / 8);
  const header: number[] = [];
  let h = (groups << 1) | 1;
  while (h > 0x7f) {
    header.push((h & 0x7f) | 0x80);
    h >>>= 7;
  }
  header.push(h);
  out.ensure(4 + header.length + groups);
  out.view.setUint32(out.offset, header.length + groups, true);
  out.offset += 4;
  for (const b of header) out.bytes[out.offset++] = b;
  let nulls = 0;
  if (isNumericColumn(values) || isUtf8Column(values)) {
    // Present as a byte per row, or UTF-8 lengths with -1 for null.
    const present = isNumericColumn(values) ? values.present : values.lengths;
    const absent = isNumericColumn(values) ? 0 : -1;
    for (let g = 0; g < groups; g++) {
      let byte = 0;
      const base = start + g * 8;
      for (let b = 0; b < 8 && base + b < end; b++) {
        if (present[base + b] === absent) nulls++;
        else byte |= 1 << b;
      }
      out.bytes[out.offset++] = byte;
    }
    return nulls;
  }
  for (let g = 0; g < groups; g++) {
    let byte = 0;
    const base = start + g * 8;
    for (let b = 0; b < 8 && base + b < end; b++) {
      const v = values[base + b];
      if (v === null || v === undefined) nulls++;
      else byte |= 1 << b;
    }
    out.bytes[out.offset++] = byte;
  }
  return nulls;
}

/** The table as a snappy Parquet file. */
export function writeFlatParquet(table: FlatTable, options: WriteColumnsOptions = {}): Uint8Array {
  const rowGroupSize = options.rowGroupSize ?? 250_000;
  const pageRows = options.pageRows ?? 50_000;
  const file = new FileParts();
  file.appendMagic();
  const page = new Buffer();
  const rowGroups: RowGroup[] = [];
  for (let groupStart = 0; groupStart < table.rowCount || (groupStart === 0 && rowGroups.length === 0); groupStart += rowGroupSize) {
    const groupEnd = Math.min(table.rowCount, groupStart + rowGroupSize);
    const chunks: ColumnChunk[] = [];
    let groupBytes = 0n;
    for (const column of table.columns) {
      const values = table.data[column.name] ?? [];
      const element = parquetSchemaElement(column);
      const chunkStart = file.offset;
      const stats = new ChunkStats();
      let uncompressed = 0;
      for (let start = groupStart; start < groupEnd || start === groupStart; start += pageRows) {
        const end = Math.min(groupEnd, start + pageRows);
        page.offset = 0;
        stats.nulls += writeLevels(page, values, start, end);
        if (isNumericColumn(values)) writeNumericValues(page, column, values, start, end, stats);
        else if (isUtf8Column(values)) {
          if (column.type !== 'string')
            throw new ColumnTypeError(
              column.name,
              `column ${column.name} is a ${column.type} column; it cannot be written from UTF-8 text`,
            );
          writeUtf8Values(page, values, start, end, stats);
        } else writeValues(page, column, values, start, end, stats);
        const body = compress(page.bytes.subarray(0, page.offset));
        const header = new ByteWriter(64);
        writePageHeader(header, {
          type: 'DATA_PAGE',
          uncompressed_page_size: page.offset,
          compressed_page_size: body.length,
          data_page_header: {
            num_values: end - start,
            encoding: 'PLAIN',
            definition_level_encoding: 'RLE',
            repetition_level_encoding: 'RLE',
          },
        });
        uncompressed += header.offset + page.offset;
        file.append(header.getBytes());
        file.append(body);
        if (end >= groupEnd) break;
      }
      const compressed = BigInt(file.offset - chunkStart);
      groupBytes += BigInt(uncompressed);
      chunks.push({
        file_offset: BigInt(chunkStart),
        meta_data: {
          type: element.type!,
          encodings: ['PLAIN', 'RLE'],
          path_in_schema: [column.name],
          codec: 'SNAPPY',
          num_values: BigInt(groupEnd - groupStart),
          total_uncompressed_size: BigInt(uncompressed),
          total_compressed_size: compressed,
          data_page_offset: BigInt(chunkStart),
          statistics: stats.statistics(column),
        },
      });
    }
    rowGroups.push({ columns: chunks, total_byte_size: groupBytes, num_rows: BigInt(groupEnd - groupStart) });
    if (groupEnd >= table.rowCount) break;
  }
  const metadata: FileMetaData = {
    version: 1,
    schema: [{ name: 'root', num_children: table.columns.length }, ...table.columns.map(parquetSchemaElement)],
    num_rows: BigInt(table.rowCount),
    row_groups: rowGroups,
    key_value_metadata: options.kvMetadata,
    created_by: 'medallion-pipeline flat writer',
    metadata_length: 0,
  };
  const footer = new ByteWriter();
  writeMetadata(footer, metadata);
  file.append(footer.getBytes());
  file.appendMagic();
  return file.concat();
}

/** Writes a table as snappy Parquet with the pipeline's type mapping (schema.ts). */
export function writeColumns(table: FlatTable, options: WriteColumnsOptions = {}): Uint8Array {
  return writeFlatParquet(table, options);
}
