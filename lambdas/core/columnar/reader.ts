// Reads the top-level columns of a Parquet file into one array per column without hyparquet's generic
// list assembly (its cost dominates for flat optional columns): pages are decoded by hyparquet's own
// page functions, then the definition levels scatter the values straight into the output array.
import { ParquetFormatError, ParquetSchemaError } from './errors.js';
import {
  convert,
  convertWithDictionary,
  decompressPage,
  DEFAULT_PARSERS,
  getSchemaPath,
  parquetHeader,
  parquetMetadata,
  readDataPage,
  readDataPageV2,
  readPlain,
  snappyUncompressor,
  type ColumnChunk,
  type ColumnDecoder,
  type DecodedArray,
  type FileMetaData,
} from './hyparquet.js';
import { holdsNumbers, isNumericColumn, numericColumn, toNumber, Utf8ColumnBuilder } from './columns.js';
import { tableColumnFromSchema } from './schema.js';
import type { CellValue, FlatColumnData, FlatTable, NumericColumn, TableColumn } from './types.js';

const uncompress = snappyUncompressor();
const DAY_MS = 86_400_000;

/** a / b rounded toward minus infinity: an instant before 1970 keeps its millisecond, as Math.floor does on PLAIN pages. */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b < 0n ? q - 1n : q;
}

// Timestamps become epoch microseconds (no Date per cell), nanoseconds floored like the PLAIN INT64 path
// below, so that dictionary and PLAIN pages (and INT96, Spark's default timestamp type) agree.
const parsers = {
  ...DEFAULT_PARSERS,
  timestampFromMilliseconds: (ms: bigint) => Number(ms) * 1000,
  timestampFromMicroseconds: (us: bigint) => Number(us),
  timestampFromNanoseconds: (ns: bigint) => Number(floorDiv(ns, 1000n)),
  dateFromDays: (days: number) => new Date(days * DAY_MS),
};

export interface FlatColumns<Data = CellValue[]> {
  columns: TableColumn[];
  data: Record<string, Data>;
  rowCount: number;
}

export interface FlatReadOptions {
  /** Numeric columns as NumericColumn and strings as Utf8Column: no boxed number or string per value. Default false. */
  typed?: boolean;
}

/** The named top-level columns (all when omitted); a nested column is an error naming it. */
export function readFlatParquet(bytes: Uint8Array, names?: readonly string[], metadata?: FileMetaData): FlatColumns;
export function readFlatParquet(
  bytes: Uint8Array,
  names: readonly string[] | undefined,
  metadata: FileMetaData | undefined,
  options: FlatReadOptions,
): FlatColumns<FlatColumnData>;
export function readFlatParquet(
  bytes: Uint8Array,
  names?: readonly string[],
  metadata: FileMetaData = parquetMetadata(arrayBufferOf(bytes)),
  options: FlatReadOptions = {},
): FlatColumns<FlatColumnData> {
  const topLevel: FileMetaData['schema'] = [];
  for (let i = 1; i < metadata.schema.length; i = afterElement(metadata.schema, i)) topLevel.push(metadata.schema[i]!);
  // Filtered before mapping: a column the pipeline cannot read only fails a read that asks for it.
  const columns = topLevel.filter((e) => !names || names.includes(e.name)).map(tableColumnFromSchema);
  const rowCount = Number(metadata.num_rows);
  const data: Record<string, FlatColumnData> = {};
  for (const column of columns) {
    const schemaPath = getSchemaPath(metadata.schema, [column.name]);
    const leaf = schemaPath[schemaPath.length - 1]!.element;
    if (schemaPath.length !== 2 || leaf.num_children)
      throw new ParquetSchemaError(column.name, 'is nested; the pipeline reads flat columns only');
    const maxDefinition = leaf.repetition_type === 'REQUIRED' ? 0 : 1;
    const out: Sink =
      options.typed && holdsNumbers(column)
        ? numericColumn(rowCount)
        : options.typed && column.type === 'string'
          ? new Utf8ColumnBuilder(rowCount, utf8Capacity(metadata, column.name))
          : new Array<CellValue>(rowCount);
    // Longs and decimals are decoded as their raw integers and become bigint cells below, the same way on
    // every page kind (hyparquet's own conversion turns a decimal into a double).
    const exact = column.type === 'decimal' || column.type === 'long';
    const element = exact ? { ...leaf, converted_type: undefined, logical_type: undefined } : leaf;
    let row = 0;
    for (const group of metadata.row_groups) {
      const chunk = group.columns.find((c) => c.meta_data?.path_in_schema.length === 1 && c.meta_data.path_in_schema[0] === column.name);
      if (!chunk?.meta_data) throw new ParquetSchemaError(column.name, 'has no chunk in a row group');
      const decoder: ColumnDecoder = {
        pathInSchema: [column.name],
        type: chunk.meta_data.type,
        element,
        schemaPath,
        codec: chunk.meta_data.codec,
        parsers,
        compressors: { SNAPPY: uncompress },
      };
      row = readChunk(bytes, chunk, decoder, maxDefinition, column.type, exact, out, row, row + Number(group.num_rows));
    }
    data[column.name] = out instanceof Utf8ColumnBuilder ? out.build() : out;
  }
  return { columns, data, rowCount };
}

/** Where a column's values go: an array of cells, typed numbers, or UTF-8 bytes. */
type Sink = CellValue[] | NumericColumn | Utf8ColumnBuilder;

/** The bytes a column's values take at most once decompressed (PLAIN pages): its chunks' uncompressed sizes. */
function utf8Capacity(metadata: FileMetaData, name: string): number {
  let bytes = 0;
  for (const group of metadata.row_groups) {
    for (const chunk of group.columns)
      if (chunk.meta_data?.path_in_schema[0] === name) bytes += Number(chunk.meta_data.total_uncompressed_size);
  }
  return bytes;
}

function readChunk(
  bytes: Uint8Array,
  chunk: ColumnChunk,
  decoder: ColumnDecoder,
  maxDefinition: number,
  type: TableColumn['type'],
  exact: boolean,
  out: Sink,
  row: number,
  end: number,
): number {
  const meta = chunk.meta_data!;
  const start = Number(meta.dictionary_page_offset ?? meta.data_page_offset);
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, Number(meta.total_compressed_size));
  const reader = { view, offset: 0 };
  let dictionary: DecodedArray | undefined;
  while (row < end && reader.offset < view.byteLength) {
    const header = parquetHeader(reader);
    const compressed = new Uint8Array(view.buffer, view.byteOffset + reader.offset, header.compressed_page_size);
    reader.offset += header.compressed_page_size;
    let definitionLevels: ArrayLike<number>;
    let values: DecodedArray;
    if (header.type === 'DICTIONARY_PAGE') {
      const page = decompressPage(compressed, Number(header.uncompressed_page_size), decoder.codec, decoder.compressors);
      const plain = readPlain(
        { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 },
        decoder.type,
        header.dictionary_page_header!.num_values,
        decoder.element.type_length,
      );
      dictionary = convert(plain, decoder);
      if (exact) dictionary = bigintCells(dictionary);
      continue;
    } else if (header.type === 'DATA_PAGE' && header.data_page_header!.encoding === 'PLAIN' && maxDefinition <= 1) {
      const page = decompressPage(compressed, Number(header.uncompressed_page_size), decoder.codec, decoder.compressors);
      row = readPlainPage(page, header.data_page_header!.num_values, decoder, maxDefinition, type, exact, out, row);
      continue;
    } else if (header.type === 'DATA_PAGE') {
      const page = decompressPage(compressed, Number(header.uncompressed_page_size), decoder.codec, decoder.compressors);
      const read = readDataPage(page, header.data_page_header!, decoder);
      definitionLevels = read.definitionLevels ?? [];
      values = decodeValues(read.dataPage, dictionary, header.data_page_header!.encoding, decoder, exact);
    } else if (header.type === 'DATA_PAGE_V2') {
      const read = readDataPageV2(compressed, header, decoder);
      definitionLevels = read.definitionLevels ?? [];
      values = decodeValues(read.dataPage, dictionary, header.data_page_header_v2!.encoding, decoder, exact);
    } else {
      continue;
    }
    if (out instanceof Utf8ColumnBuilder) {
      row = putTexts(out, row, values, definitionLevels, maxDefinition);
    } else if (isNumericColumn(out)) {
      row = putNumbers(out, row, values, definitionLevels, maxDefinition);
    } else if (maxDefinition === 0 || definitionLevels.length === 0) {
      for (let i = 0; i < values.length; i++) out[row++] = cell(values[i]);
    } else {
      let v = 0;
      for (let i = 0; i < definitionLevels.length; i++) out[row++] = definitionLevels[i] === maxDefinition ? cell(values[v++]) : null;
    }
  }
  return row;
}

/** A page's decoded strings into a UTF-8 column from `row` on, as putNumbers does. */
function putTexts(
  out: Utf8ColumnBuilder,
  row: number,
  values: ArrayLike<unknown>,
  levels: ArrayLike<number> | undefined,
  maxDefinition: number,
): number {
  const count = maxDefinition === 0 || !levels || levels.length === 0 ? values.length : levels.length;
  for (let i = 0, v = 0; i < count; i++, row++) {
    if (count !== values.length && levels![i] !== maxDefinition) continue;
    const value = values[v++];
    if (value === null || value === undefined) continue;
    if (value instanceof Uint8Array) out.copy(row, value, 0, value.length);
    else out.text(row, String(value));
  }
  return row;
}

/** A page's values into a numeric column from `row` on: one per definition level (all present without levels). */
function putNumbers(
  out: NumericColumn,
  row: number,
  values: ArrayLike<unknown>,
  levels: ArrayLike<number> | undefined,
  maxDefinition: number,
): number {
  const { numbers, present } = out;
  const count = maxDefinition === 0 || !levels || levels.length === 0 ? values.length : levels.length;
  const plain = values instanceof Float64Array || values instanceof Int32Array;
  for (let i = 0, v = 0; i < count; i++, row++) {
    if (count !== values.length && levels![i] !== maxDefinition) continue;
    const value = values[v++];
    if (value === null || value === undefined) continue;
    numbers[row] = plain ? (value as number) : toNumber(value as Exclude<CellValue, null> | bigint);
    present[row] = 1;
  }
  return row;
}

/**
 * A PLAIN data page (v1) of a flat column, the pipeline writers' layout, decoded without per-value
 * objects: definition levels into bytes, UTF-8 strings sliced from one decode of the page when it is
 * all ASCII (the usual case: the 4-byte length prefixes are ASCII too while a value is under 128 bytes).
 */
function readPlainPage(
  page: Uint8Array,
  numValues: number,
  decoder: ColumnDecoder,
  maxDefinition: number,
  type: TableColumn['type'],
  exact: boolean,
  out: Sink,
  row: number,
): number {
  const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
  let offset = 0;
  let levels: Uint8Array | undefined;
  let present = numValues;
  if (maxDefinition === 1) {
    const length = view.getUint32(0, true);
    levels = bitWidthOneLevels(page, 4, 4 + length, numValues);
    offset = 4 + length;
    present = 0;
    for (let i = 0; i < numValues; i++) present += levels[i]!;
  }
  if (type === 'string' && decoder.type === 'BYTE_ARRAY' && out instanceof Utf8ColumnBuilder) {
    // The bytes as they are, one copy from the page: no string per value.
    let at = offset;
    for (let i = 0; i < numValues; i++, row++) {
      if (levels && !levels[i]) continue;
      const length = view.getUint32(at, true);
      out.copy(row, page, at + 4, length);
      at += 4 + length;
    }
    return row;
  }
  if (type === 'string' && decoder.type === 'BYTE_ARRAY' && Array.isArray(out)) {
    let ascii = true;
    for (let i = offset; i < page.length; i++) {
      if (page[i]! >= 0x80) {
        ascii = false;
        break;
      }
    }
    const text = ascii ? utf8.decode(page.subarray(offset)) : '';
    let at = offset;
    const next = (): string => {
      const length = view.getUint32(at, true);
      const start = at + 4;
      at = start + length;
      return ascii ? text.slice(start - offset, at - offset) : utf8.decode(page.subarray(start, at));
    };
    if (!levels) for (let i = 0; i < numValues; i++) out[row++] = next();
    else for (let i = 0; i < numValues; i++) out[row++] = levels[i] ? next() : null;
    return row;
  }
  const values = decodeValues(
    readPlain({ view, offset }, decoder.type, present, decoder.element.type_length),
    undefined,
    'PLAIN',
    decoder,
    exact,
  );
  if (out instanceof Utf8ColumnBuilder) return putTexts(out, row, values, levels, 1);
  if (isNumericColumn(out)) return putNumbers(out, row, values, levels, 1);
  let v = 0;
  if (values instanceof Float64Array || values instanceof Int32Array) {
    // Numbers already (INT32, DOUBLE, and INT64 through decodeValues): no per-value conversion.
    if (!levels) for (let i = 0; i < numValues; i++) out[row++] = values[i]!;
    else for (let i = 0; i < numValues; i++) out[row++] = levels[i] ? values[v++]! : null;
    return row;
  }
  if (!levels) for (let i = 0; i < numValues; i++) out[row++] = cell(values[i]);
  else for (let i = 0; i < numValues; i++) out[row++] = levels[i] ? cell(values[v++]) : null;
  return row;
}

const utf8 = new TextDecoder();

/** Definition levels of bit width 1 (RLE / bit-packed hybrid) as one byte per value. */
function bitWidthOneLevels(page: Uint8Array, start: number, end: number, count: number): Uint8Array {
  const levels = new Uint8Array(count);
  let at = start;
  let i = 0;
  while (i < count && at < end) {
    let header = 0;
    for (let shift = 0; ; shift += 7) {
      const b = page[at++]!;
      header += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
    }
    if (header % 2 === 1) {
      const bytes = Math.floor(header / 2);
      for (let k = 0; k < bytes; k++) {
        const b = page[at++]!;
        for (let bit = 0; bit < 8 && i < count; bit++) levels[i++] = (b >> bit) & 1;
      }
    } else {
      const run = Math.floor(header / 2);
      const value = page[at++]! & 1;
      if (value) levels.fill(1, i, Math.min(count, i + run));
      i += run;
    }
  }
  if (i < count) throw new ParquetSchemaError('(page)', `has ${i} definition levels for ${count} values`);
  return levels;
}

/**
 * Page values as cells; plain INT64 pages become numbers through two 32-bit halves, with no BigInt per
 * value, except in a long or decimal column (`exact`): there every value becomes a bigint cell, decimals
 * unscaled (their element stripped of the annotation).
 */
function decodeValues(
  page: DecodedArray,
  dictionary: DecodedArray | undefined,
  encoding: Parameters<typeof convertWithDictionary>[2],
  decoder: ColumnDecoder,
  exact: boolean,
): DecodedArray {
  // Dictionary values were converted (to bigints where exact) when the dictionary page was read.
  if (dictionary && encoding.endsWith('DICTIONARY')) return convertWithDictionary(page, dictionary, encoding, decoder);
  if (exact) return bigintCells(convertWithDictionary(page, undefined, encoding, decoder));
  if (!(page instanceof BigInt64Array)) return convertWithDictionary(page, undefined, encoding, decoder);
  const { element } = decoder;
  const unit =
    element.logical_type?.type === 'TIMESTAMP'
      ? element.logical_type.unit
      : element.converted_type === 'TIMESTAMP_MICROS'
        ? 'MICROS'
        : element.converted_type === 'TIMESTAMP_MILLIS'
          ? 'MILLIS'
          : undefined;
  const halves = new Int32Array(page.buffer, page.byteOffset, page.length * 2);
  const out = new Float64Array(page.length);
  for (let i = 0; i < page.length; i++) {
    // hi * 2^32 is exact and the sum rounds once: the nearest double, as Number(bigint) gives.
    const n = halves[2 * i + 1]! * 4294967296 + (halves[2 * i]! >>> 0);
    out[i] = unit === 'MILLIS' ? n * 1000 : unit === 'NANOS' ? Math.floor(n / 1000) : n;
  }
  return out;
}

/** Raw integers (INT32 numbers, INT64 bigints, FIXED_LEN_BYTE_ARRAY big-endian two's complement) as bigint cells. */
function bigintCells(values: DecodedArray): bigint[] {
  const out = new Array<bigint>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number | bigint | Uint8Array;
    out[i] = typeof v === 'bigint' ? v : v instanceof Uint8Array ? twosComplement(v) : BigInt(v);
  }
  return out;
}

function twosComplement(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return bytes.length > 0 && bytes[0]! >= 0x80 ? value - (1n << BigInt(bytes.length * 8)) : value;
}

function cell(value: unknown): CellValue {
  if (value === undefined || value === null) return null;
  return value as CellValue;
}

/** The index after a schema element and all of its descendants. */
function afterElement(schema: FileMetaData['schema'], index: number): number {
  let next = index + 1;
  for (let c = 0; c < (schema[index]!.num_children ?? 0); c++) next = afterElement(schema, next);
  return next;
}

/** The bytes as an ArrayBuffer, as hyparquet's metadata parser wants them. */
function arrayBufferOf(bytes: Uint8Array): ArrayBuffer {
  // A file read whole owns its buffer: no copy of tens of megabytes just to parse the footer.
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) return bytes.buffer;
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** The footer (file metadata) of Parquet bytes; `file` names them in the error when they are not Parquet. */
export function parquetFooter(bytes: Uint8Array, file = 'Parquet data'): FileMetaData {
  try {
    return parquetMetadata(arrayBufferOf(bytes));
  } catch (err) {
    throw new ParquetFormatError(file, err instanceof Error ? err.message : String(err), { cause: err });
  }
}

export interface ReadColumnsOptions {
  /** The columns to read [all]. */
  columns?: readonly string[];
  /** Names the file in errors (a URI or key). */
  file?: string;
}

/**
 * Reads the named columns of a Parquet file, typed: numbers into typed arrays, strings as UTF-8 bytes.
 * A file that is not Parquet, or a column the pipeline does not read, is an error naming the file.
 */
export function readColumns(bytes: Uint8Array, options: ReadColumnsOptions = {}): FlatTable {
  const file = options.file ?? 'Parquet data';
  const metadata = parquetFooter(bytes, file);
  try {
    return readFlatParquet(bytes, options.columns, metadata, { typed: true });
  } catch (err) {
    if (err instanceof ParquetSchemaError && err.file === undefined) throw new ParquetSchemaError(err.column, err.detail, file);
    throw err;
  }
}
