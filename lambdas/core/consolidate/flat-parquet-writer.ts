// A Parquet writer for flat tables of optional columns, built for the consolidation's output size: PLAIN
// values written straight into one growing buffer (no per-value objects, no BigInt), definition levels
// bit-packed, DATA_PAGE v1 pages compressed with snappy (hysnappy, WebAssembly), no statistics. The page
// headers and the footer are serialised by hyparquet-writer's own thrift code, so the file layout is the
// one lambdas/core/parquet.ts writes and DuckDB, Athena and Spark read. Columns it does not handle
// (decimals above 18 digits) make flatParquetSupports() false; use writeParquet for those.
import { ByteWriter } from 'hyparquet-writer';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import type { ColumnChunk, FileMetaData, RowGroup } from 'hyparquet';
import { snappyCompressor } from 'hysnappy';
import { parquetSchemaElement, type CellValue, type TableColumn } from '../parquet.js';

const compress = snappyCompressor();
const MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x31]); // "PAR1"
const DAY_MS = 86_400_000;
const TWO_32 = 4294967296;

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

export interface FlatParquetOptions {
  rowGroupSize?: number;
  pageRows?: number;
  kvMetadata?: { key: string; value: string }[];
}

export function flatParquetSupports(columns: readonly TableColumn[]): boolean {
  return columns.every((c) => c.type !== 'decimal' || (c.precision ?? 18) <= 18);
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

/** Bit-packs the booleans of rows [start, end); `valueOf(i)` is row i's value, undefined for a null. */
function writeBooleans(out: Buffer, start: number, end: number, valueOf: (i: number) => boolean | undefined): void {
  out.ensure(Math.ceil((end - start) / 8));
  let bit = 0;
  for (let i = start; i < end; i++) {
    const v = valueOf(i);
    if (v === undefined) continue;
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
function writeNumericValues(out: Buffer, column: TableColumn, { numbers, present }: NumericColumn, start: number, end: number): void {
  const type = column.type;
  const scale = 10 ** (column.scale ?? 0);
  if (type === 'string') throw new Error(`column ${column.name} is a string column; it cannot be written from numbers`);
  if (type === 'boolean') writeBooleans(out, start, end, (i) => (present[i] === 0 ? undefined : numbers[i] !== 0));
  else if (type === 'double') {
    out.ensure((end - start) * 8);
    for (let i = start; i < end; i++) {
      if (present[i] === 0) continue;
      out.view.setFloat64(out.offset, numbers[i]!, true);
      out.offset += 8;
    }
  } else if (type === 'integer' || type === 'date' || (type === 'decimal' && (column.precision ?? 18) <= 9)) {
    out.ensure((end - start) * 4);
    const divide = type === 'date' ? DAY_MS : 1;
    const multiply = type === 'decimal' ? scale : 1;
    for (let i = start; i < end; i++) {
      if (present[i] === 0) continue;
      const n = divide === 1 ? Math.round(numbers[i]! * multiply) : Math.floor(numbers[i]! / divide);
      out.view.setInt32(out.offset, n, true);
      out.offset += 4;
    }
  } else {
    out.ensure((end - start) * 8);
    const multiply = type === 'decimal' ? scale : 1;
    for (let i = start; i < end; i++) {
      if (present[i] === 0) continue;
      const n = multiply === 1 ? numbers[i]! : Math.round(numbers[i]! * multiply);
      const hi = Math.floor(n / TWO_32);
      out.view.setUint32(out.offset, n - hi * TWO_32, true);
      out.view.setInt32(out.offset + 4, hi, true);
      out.offset += 8;
    }
  }
}

/** Writes one page's non-null values in PLAIN encoding. */
function writeValues(out: Buffer, column: TableColumn, values: ArrayLike<CellValue | undefined>, start: number, end: number): void {
  const type = column.type;
  const scale = 10 ** (column.scale ?? 0);
  const int32 = type === 'integer' || type === 'date' || (type === 'decimal' && (column.precision ?? 18) <= 9);
  if (type === 'string') {
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
      if (n < s.length) n = encoder.encodeInto(s, out.bytes.subarray(at)).written;
      out.view.setUint32(out.offset, n, true);
      out.offset = at + n;
    }
  } else if (type === 'boolean') {
    writeBooleans(out, start, end, (i) => {
      const v = values[i];
      return v === null || v === undefined ? undefined : Boolean(v);
    });
  } else if (type === 'double') {
    out.ensure((end - start) * 8);
    for (let i = start; i < end; i++) {
      const v = values[i];
      if (v === null || v === undefined) continue;
      out.view.setFloat64(out.offset, v as number, true);
      out.offset += 8;
    }
  } else if (int32) {
    out.ensure((end - start) * 4);
    for (let i = start; i < end; i++) {
      const v = values[i];
      if (v === null || v === undefined) continue;
      const n = type === 'date' ? Math.floor((v instanceof Date ? v.getTime() : (v as number)) / DAY_MS) : type === 'decimal' ? Math.round((v as number) * scale) : (v as number);
      out.view.setInt32(out.offset, n, true);
      out.offset += 4;
    }
  } else {
    // long, timestamp (epoch ms) and decimals up to 18 digits: INT64 written as two 32-bit halves.
    out.ensure((end - start) * 8);
    for (let i = start; i < end; i++) {
      const v = values[i];
      if (v === null || v === undefined) continue;
      const n = v instanceof Date ? v.getTime() : type === 'decimal' ? Math.round((v as number) * scale) : (v as number);
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
  if (isNumericColumn(values)) {
    const present = values.present;
    for (let g = 0; g < groups; g++) {
      let byte = 0;
      const base = start + g * 8;
      for (let b = 0; b < 8 && base + b < end; b++) {
        if (present[base + b] === 0) nulls++;
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
export function writeFlatParquet(table: FlatTable, options: FlatParquetOptions = {}): Uint8Array {
  if (!flatParquetSupports(table.columns)) throw new Error('writeFlatParquet handles decimals up to 18 digits only; use writeParquet for this table');
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
      let uncompressed = 0;
      for (let start = groupStart; start < groupEnd || start === groupStart; start += pageRows) {
        const end = Math.min(groupEnd, start + pageRows);
        page.offset = 0;
        writeLevels(page, values, start, end);
        if (isNumericColumn(values)) writeNumericValues(page, column, values, start, end);
        else writeValues(page, column, values, start, end);
        const body = compress(page.bytes.subarray(0, page.offset));
        const header = new ByteWriter(64);
        writePageHeader(header, {
          type: 'DATA_PAGE',
          uncompressed_page_size: page.offset,
          compressed_page_size: body.length,
          data_page_header: { num_values: end - start, encoding: 'PLAIN', definition_level_encoding: 'RLE', repetition_level_encoding: 'RLE' },
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
