// Parquet files shaped the way Spark 3.5 writes them (ParquetWriteSupport + parquet-mr 1.13.1, writer
// version PARQUET_1_0, snappy), made without Spark: fixtures for the reader of a Glue job's output.
// Written for this project. Structural fidelity is the aim, not byte equality: snappy may pick other
// matches than snappy-java, and ColumnMetaData.encodings comes in one fixed order (a Java HashSet's
// order varies); it was checked field by field against parquet-testing's int96_from_spark.parquet.
//
// What is reproduced from parquet-mr 1.13.1 (read from its source, tag apache-parquet-1.13.1):
// - schema: root "spark_schema"; OPTIONAL for nullable fields, REQUIRED otherwise; annotations as
//   Spark's ParquetSchemaConverter makes them, converted_type and logicalType both set;
// - data pages v1 (DATA_PAGE), definition levels RLE (4-byte length prefix), repetition levels
//   BIT_PACKED (absent), a page CRC32 in every page header (parquet.page.write-checksum.enabled=true);
// - dictionary encoding as DefaultV1ValuesWriterFactory: PLAIN_DICTIONARY dictionary page and
//   PLAIN_DICTIONARY data pages for INT32/INT64/INT96/DOUBLE/BINARY; BOOLEAN and FIXED_LEN_BYTE_ARRAY
//   always PLAIN ("dictionary encoding was not enabled in PARQUET 1.0"); the first-page test
//   (encoded + dictionary bytes < raw bytes, else PLAIN and no dictionary page) and the 1 MiB
//   dictionary limit with PLAIN fallback for the rest of the chunk;
// - page boundaries by parquet-mr's size-check schedule (checks at row 100, then estimated; 1 MiB
//   pages with 10 % tolerance; at most 20 000 rows a page);
// - RLE/bit-packing hybrid exactly as RunLengthBitPackingHybridEncoder (RLE runs only after 8 repeats
//   aligned to a group, bit-packed runs of at most 63 groups, zero-padded last group);
// - chunk statistics (null_count; min/max only for signed-order types; min_value/max_value only for
//   types with a defined column order, so none for INT96 unless min == max; nothing past 4 KiB);
// - column indexes (none for INT96) and offset indexes after the row groups, then the footer;
// - encoding_stats, ColumnChunk.file_offset = first data page, RowGroup.file_offset/ordinal/
//   total_compressed_size, column_orders = TYPE_ORDER for every leaf, version 1;
// - key-value metadata org.apache.spark.version and org.apache.spark.sql.parquet.row.metadata, in
//   the order a Java 17 HashMap iterates them.
import { ByteWriter } from 'hyparquet-writer/src/bytewriter.js';
import { snappyCompress } from 'hyparquet-writer/src/snappy.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';

export type SparkType = 'string' | 'integer' | 'long' | 'double' | 'boolean' | 'date' | 'timestamp' | 'decimal';

export interface SparkColumn {
  name: string;
  type: SparkType;
  /** decimal only: 1..38 (default 10, Spark's DecimalType default). */
  precision?: number;
  /** decimal only: 0..precision (default 0). */
  scale?: number;
  /** false makes the column REQUIRED, as Spark writes a non-nullable field (spark.range, literals, coalesce). Default true. */
  nullable?: boolean;
}

/** spark.sql.parquet.outputTimestampType. */
export type SparkTimestampType = 'INT96' | 'TIMESTAMP_MICROS' | 'TIMESTAMP_MILLIS';

export interface SparkParquetOptions {
  timestamps: SparkTimestampType;
  /** org.apache.spark.version (SPARK_VERSION_SHORT). Default '3.5.4' (AWS Glue 5.0). */
  sparkVersion?: string;
  /** FileMetaData.created_by. Default parquet-mr 1.13.1's Version.FULL_VERSION. */
  createdBy?: string;
  /**
   * spark.sql.parquet.datetimeRebaseModeInWrite / int96RebaseModeInWrite. 'EXCEPTION' (Spark 3.5's default)
   * refuses dates before 1582-10-15 and timestamps before 1900-01-01T00:00:00Z as Spark does; 'CORRECTED'
   * writes them as proleptic Gregorian. LEGACY (Julian rebasing) is not implemented. Default 'EXCEPTION'.
   */
  rebaseMode?: 'EXCEPTION' | 'CORRECTED';
  /** Rows per row group. Spark cuts row groups at parquet.block.size (128 MiB of buffered data); default: one row group. */
  rowGroupRows?: number;
  /** parquet.page.size. Default 1 MiB. */
  pageSize?: number;
  /** parquet.page.row.count.limit. Default 20 000. */
  pageRowCountLimit?: number;
  /** parquet.dictionary.page.size. Default 1 MiB. */
  dictionaryPageSize?: number;
  /** parquet.enable.dictionary. Default true. */
  dictionary?: boolean;
  /** parquet.page.write-checksum.enabled. Default true. */
  pageChecksums?: boolean;
  /** Column and offset indexes (parquet-mr always writes them). Default true. */
  pageIndexes?: boolean;
  /** spark.sql.parquet.compression.codec. Default 'SNAPPY'. */
  compression?: 'SNAPPY' | 'UNCOMPRESSED';
}

/**
 * Accepted cell values (null / undefined = null):
 * string: string. integer: number (int32). long: bigint, safe-integer number or a string of digits.
 * double: number. boolean: boolean. date: 'YYYY-MM-DD', a Date at UTC midnight, or a number of days since 1970-01-01.
 * timestamp: a Date, an ISO-8601 string with up to 9 fraction digits (Z or ±HH:MM; none = UTC),
 * a bigint of epoch MICROseconds (Spark's own representation) or { epochNanos: bigint }.
 * decimal: a string ('-9999999999999999.99'), a bigint (whole number) or a number (through its shortest string).
 */
export type SparkCell = string | number | bigint | boolean | Date | { epochNanos: bigint } | null | undefined;

export const PARQUET_MR_1_13_1 = 'parquet-mr version 1.13.1 (build db4183109d5b734ec5930d870cdae161e408ddba)';
export const DEFAULT_SPARK_VERSION = '3.5.4';

const DAY_NS = 86_400_000_000_000n;
const JULIAN_DAY_OF_EPOCH = 2_440_588n;
/** RebaseDateTime.lastSwitchGregorianTs: 1900-01-01T00:00:00Z in microseconds. */
const LAST_SWITCH_GREGORIAN_TS_US = -2_208_988_800_000_000n;
/** RebaseDateTime.lastSwitchGregorianDay: 1582-10-15. */
const LAST_SWITCH_GREGORIAN_DAY = -141_427;

// ---------------------------------------------------------------------------------------------
// Thrift compact protocol (enough of it for parquet.thrift), field ids written in ascending order.

type ElemKind = 'bool' | 'i16' | 'i32' | 'i64' | 'bin' | 'struct';
type TField =
  | readonly [id: number, kind: 'bool', value: boolean | undefined]
  | readonly [id: number, kind: 'i16' | 'i32', value: number | undefined]
  | readonly [id: number, kind: 'i64', value: bigint | number | undefined]
  | readonly [id: number, kind: 'bin', value: Uint8Array | string | undefined]
  | readonly [id: number, kind: 'struct', value: TStruct | undefined]
  | readonly [id: number, kind: 'list', elem: ElemKind, value: readonly unknown[] | undefined];
type TStruct = TField[];

const CT: Record<ElemKind | 'list' | 'true' | 'false', number> = {
  true: 1,
  false: 2,
  bool: 1,
  i16: 4,
  i32: 5,
  i64: 6,
  bin: 8,
  list: 9,
  struct: 12,
};
const utf8 = new TextEncoder();

function writeStruct(w: ByteWriter, fields: TStruct): void {
  let last = 0;
  for (const field of fields) {
    const [id, kind] = field;
    const value = field[field.length - 1];
    if (value === undefined) continue;
    const type = kind === 'bool' ? ((value as boolean) ? CT.true : CT.false) : CT[kind];
    const delta = id - last;
    if (delta > 0 && delta <= 15) w.appendUint8((delta << 4) | type);
    else {
      w.appendUint8(type);
      w.appendZigZag(id);
    }
    last = id;
    if (kind === 'bool') continue;
    if (kind === 'list') writeList(w, field[2] as ElemKind, value as readonly unknown[]);
    else writeValue(w, kind, value);
  }
  w.appendUint8(0);
}

function writeList(w: ByteWriter, elem: ElemKind, values: readonly unknown[]): void {
  const type = CT[elem];
  if (values.length < 15) w.appendUint8((values.length << 4) | type);
  else {
    w.appendUint8(0xf0 | type);
    w.appendVarInt(values.length);
  }
  // Java's TCompactProtocol writes booleans inside containers as one byte: 1 true, 2 false.
  for (const v of values) {
    if (elem === 'bool') w.appendUint8(v ? 1 : 2);
    else writeValue(w, elem, v);
  }
}

function writeValue(w: ByteWriter, kind: Exclude<ElemKind, 'bool'>, value: unknown): void {
  switch (kind) {
    case 'i16':
    case 'i32':
      w.appendZigZag(value as number);
      return;
    case 'i64':
      w.appendZigZag(BigInt(value as bigint | number));
      return;
    case 'bin': {
      const bytes = typeof value === 'string' ? utf8.encode(value) : (value as Uint8Array);
      w.appendVarInt(bytes.length);
      w.appendBytes(bytes);
      return;
    }
    case 'struct':
      writeStruct(w, value as TStruct);
  }
}

// parquet.thrift enum values.
const Type = { BOOLEAN: 0, INT32: 1, INT64: 2, INT96: 3, FLOAT: 4, DOUBLE: 5, BYTE_ARRAY: 6, FIXED_LEN_BYTE_ARRAY: 7 } as const;
type PhysicalType = keyof typeof Type;
const Converted = { UTF8: 0, DECIMAL: 5, DATE: 6, TIMESTAMP_MILLIS: 9, TIMESTAMP_MICROS: 10 } as const;
const Encoding = { PLAIN: 0, PLAIN_DICTIONARY: 2, RLE: 3, BIT_PACKED: 4 } as const;
type EncodingName = keyof typeof Encoding;
const PageType = { DATA_PAGE: 0, DICTIONARY_PAGE: 2 } as const;
const Codec = { UNCOMPRESSED: 0, SNAPPY: 1 } as const;

// ---------------------------------------------------------------------------------------------
// RunLengthBitPackingHybridEncoder, ported from parquet-mr (same run decisions, same bytes).

class RleHybridEncoder {
  private readonly out = new ByteWriter(64);
  private readonly buffered = new Array<number>(8).fill(0);
  private numBuffered = 0;
  private previous = 0;
  private repeatCount = 0;
  private groupCount = 0;
  private headerAt = -1;
  constructor(private readonly bitWidth: number) {}

  /** Bytes emitted so far (parquet-mr's getBufferedSize: the values still buffered do not count). */
  get size(): number {
    return this.out.offset;
  }

  write(value: number): void {
    if (value === this.previous) {
      this.repeatCount++;
      if (this.repeatCount >= 8) return;
    } else {
      if (this.repeatCount >= 8) this.writeRleRun();
      this.repeatCount = 1;
      this.previous = value;
    }
    this.buffered[this.numBuffered++] = value;
    if (this.numBuffered === 8) this.writeOrAppendBitPackedRun();
  }

  finish(): Uint8Array {
    if (this.repeatCount >= 8) this.writeRleRun();
    else if (this.numBuffered > 0) {
      for (let i = this.numBuffered; i < 8; i++) this.buffered[i] = 0;
      this.writeOrAppendBitPackedRun();
      this.endBitPackedRun();
    } else this.endBitPackedRun();
    return this.out.getBytes().slice();
  }

  private writeOrAppendBitPackedRun(): void {
    if (this.groupCount >= 63) this.endBitPackedRun();
    if (this.headerAt === -1) {
      this.headerAt = this.out.offset;
      this.out.appendUint8(0);
    }
    // Little-endian bit packing of 8 values: bitWidth bytes.
    let acc = 0n;
    for (let i = 0; i < 8; i++) acc |= BigInt(this.buffered[i]! >>> 0) << BigInt(i * this.bitWidth);
    for (let b = 0; b < this.bitWidth; b++) this.out.appendUint8(Number((acc >> BigInt(8 * b)) & 0xffn));
    this.numBuffered = 0;
    this.repeatCount = 0;
    this.groupCount++;
  }

  private endBitPackedRun(): void {
    if (this.headerAt === -1) return;
    this.out.view.setUint8(this.headerAt, (this.groupCount << 1) | 1);
    this.headerAt = -1;
    this.groupCount = 0;
  }

  private writeRleRun(): void {
    this.endBitPackedRun();
    this.out.appendVarInt(this.repeatCount << 1);
    for (let b = 0; b < Math.ceil(this.bitWidth / 8); b++) this.out.appendUint8((this.previous >>> (8 * b)) & 0xff);
    this.repeatCount = 0;
    this.numBuffered = 0;
  }
}

/** BytesUtils.getWidthFromMaxInt (32 for -1, as parquet-mr computes for an empty dictionary). */
function widthFromMaxInt(max: number): number {
  return 32 - Math.clz32(max);
}

// ---------------------------------------------------------------------------------------------
// CRC-32 (java.util.zip.CRC32).

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  let crc = -1;
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) | 0; // signed, as (int) CRC32.getValue()
}

// ---------------------------------------------------------------------------------------------
// Value conversions (exported: the verification script formats reader output with them).

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(z: number): [number, number, number] {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

const pad = (n: number | bigint, width: number): string => String(n).padStart(width, '0');

/** 'YYYY-MM-DD' of days since the epoch. */
export function formatDate(days: number): string {
  const [y, m, d] = civilFromDays(days);
  return `${y < 0 ? '-' + pad(-y, 4) : pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
}

/** ISO-8601 UTC with 9 fraction digits of epoch nanoseconds. */
export function formatTimestampNanos(ns: bigint): string {
  const days = floorDiv(ns, DAY_NS);
  let rest = ns - days * DAY_NS;
  const h = rest / 3_600_000_000_000n;
  rest -= h * 3_600_000_000_000n;
  const min = rest / 60_000_000_000n;
  rest -= min * 60_000_000_000n;
  const s = rest / 1_000_000_000n;
  const frac = rest - s * 1_000_000_000n;
  return `${formatDate(Number(days))}T${pad(h, 2)}:${pad(min, 2)}:${pad(s, 2)}.${pad(frac, 9)}Z`;
}

/** A decimal's unscaled value as text with exactly `scale` fraction digits. */
export function formatDecimal(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  return negative ? '-' + text : text;
}

/** The unscaled value of a decimal text at `scale` (exact; throws when it has more fraction digits). */
export function parseDecimal(text: string, scale: number): bigint {
  const match = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!match || (!match[2] && !match[3])) throw new Error(`not a decimal number: ${JSON.stringify(text)}`);
  let digits = (match[2] ?? '') + (match[3] ?? '');
  let fraction = (match[3] ?? '').length - Number(match[4] ?? 0);
  if (fraction < 0) {
    digits += '0'.repeat(-fraction);
    fraction = 0;
  }
  if (fraction > scale) {
    const dropped = digits.slice(digits.length - (fraction - scale));
    if (/[^0]/.test(dropped)) throw new Error(`${text} has more than ${scale} fraction digits`);
    digits = digits.slice(0, digits.length - (fraction - scale));
    fraction = scale;
  }
  const unscaled = BigInt((digits || '0') + '0'.repeat(scale - fraction));
  return match[1] === '-' ? -unscaled : unscaled;
}

const TIMESTAMP_RE = /^([+-]?\d{4,6})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Epoch nanoseconds of a timestamp cell (see SparkCell). */
export function timestampNanos(value: SparkCell): bigint {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new Error('invalid Date');
    return BigInt(ms) * 1_000_000n;
  }
  if (typeof value === 'bigint') return value * 1000n;
  if (typeof value === 'object' && value !== null && 'epochNanos' in value) return value.epochNanos;
  if (typeof value === 'string') {
    const m = TIMESTAMP_RE.exec(value.trim());
    if (!m) throw new Error(`not an ISO-8601 timestamp: ${JSON.stringify(value)}`);
    const days = daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3]));
    let seconds = BigInt(days) * 86_400n + BigInt(Number(m[4]) * 3600 + Number(m[5]) * 60 + Number(m[6] ?? 0));
    const zone = m[8];
    if (zone && zone !== 'Z') {
      const sign = zone[0] === '-' ? -1n : 1n;
      const hm = zone.slice(1).replace(':', '');
      seconds -= sign * BigInt(Number(hm.slice(0, 2)) * 3600 + Number(hm.slice(2)) * 60);
    }
    return seconds * 1_000_000_000n + BigInt((m[7] ?? '').padEnd(9, '0') || '0');
  }
  throw new Error(`not a timestamp: ${String(value)}`);
}

/** Days since the epoch of a date cell (see SparkCell). */
export function dateDays(value: SparkCell): number {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`date ${value} is not a whole number of days`);
    return value;
  }
  if (value instanceof Date) {
    const ms = value.getTime();
    if (ms % 86_400_000 !== 0) throw new Error(`date ${value.toISOString()} is not at UTC midnight`);
    return ms / 86_400_000;
  }
  if (typeof value === 'string') {
    const m = /^([+-]?\d{4,6})-(\d{2})-(\d{2})$/.exec(value.trim());
    if (!m) throw new Error(`not a date: ${JSON.stringify(value)}`);
    return daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3]));
  }
  throw new Error(`not a date: ${String(value)}`);
}

/** Spark's Decimal.minBytesForPrecision. */
export function minBytesForPrecision(precision: number): number {
  let bytes = 1;
  while (2n ** BigInt(8 * bytes - 1) < 10n ** BigInt(precision)) bytes++;
  return bytes;
}

/** Big-endian two's complement of `value`, sign-extended to `length` bytes (as Spark fills decimalBuffer). */
export function twosComplementBE(value: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let v = BigInt.asUintN(8 * length, value);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/**
 * The 12 bytes of an INT96 timestamp: nanoseconds of the day (int64 LE) then the Julian day (int32 LE),
 * computed as Spark's DateTimeUtils.toJulianDay does on epoch microseconds: Java long arithmetic,
 * truncating division, so instants past year ~290 000 wrap exactly as they do in Spark. Sub-microsecond
 * nanoseconds (which Spark never has) are added to the nanoseconds of the day.
 */
export function int96FromNanos(ns: bigint): Uint8Array {
  const micros = floorDiv(ns, 1000n);
  const extraNanos = ns - micros * 1000n;
  const julianUs = BigInt.asIntN(64, micros + JULIAN_DAY_OF_EPOCH * 86_400_000_000n);
  const day = julianUs / 86_400_000_000n; // BigInt division truncates, as Java's
  const us = julianUs % 86_400_000_000n;
  const out = new Uint8Array(12);
  const view = new DataView(out.buffer);
  view.setBigInt64(0, BigInt.asIntN(64, us * 1000n + extraNanos), true);
  view.setInt32(8, Number(BigInt.asIntN(32, day)), true);
  return out;
}

/** Epoch nanoseconds of 12 INT96 bytes. */
export function nanosFromInt96(bytes: Uint8Array): bigint {
  const view = new DataView(bytes.buffer, bytes.byteOffset, 12);
  return (BigInt(view.getInt32(8, true)) - JULIAN_DAY_OF_EPOCH) * DAY_NS + view.getBigInt64(0, true);
}

// ---------------------------------------------------------------------------------------------
// Column layouts.

type Physical = boolean | number | bigint | Uint8Array;

interface Layout {
  column: SparkColumn;
  type: PhysicalType;
  typeLength?: number;
  required: boolean;
  schema: TStruct;
  sparkType: string;
  dictionary: boolean;
  /** parquet-mr's sortOrder(): legacy min/max are written only for SIGNED. */
  signedOrder: boolean;
  /** TYPE_DEFINED_ORDER: min_value/max_value and column indexes (false for INT96 only). */
  definedOrder: boolean;
  toPhysical(value: Exclude<SparkCell, null | undefined>): Physical;
  compare(a: Physical, b: Physical): number;
  statBytes(value: Physical): Uint8Array;
  /** Is this a binary type for the 4 KiB statistics limit and the column index truncation? */
  binary: boolean;
  /** For the column index truncation: UTF-8 text. */
  utf8: boolean;
}

function schemaElement(
  name: string,
  required: boolean,
  type: PhysicalType,
  extra: { typeLength?: number; converted?: number; scale?: number; precision?: number; logical?: TStruct } = {},
): TStruct {
  return [
    [1, 'i32', Type[type]],
    [2, 'i32', extra.typeLength],
    [3, 'i32', required ? 0 : 1],
    [4, 'bin', name],
    [6, 'i32', extra.converted],
    [7, 'i32', extra.scale],
    [8, 'i32', extra.precision],
    [10, 'struct', extra.logical],
  ];
}

const le = (n: number, f: (v: DataView) => void): Uint8Array => {
  const out = new Uint8Array(n);
  f(new DataView(out.buffer));
  return out;
};
const compareNumbers = (a: Physical, b: Physical): number => ((a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0);
const compareBigints = (a: Physical, b: Physical): number => ((a as bigint) < (b as bigint) ? -1 : (a as bigint) > (b as bigint) ? 1 : 0);
const int32Bytes = (v: Physical): Uint8Array => le(4, (d) => d.setInt32(0, v as number, true));
const int64Bytes = (v: Physical): Uint8Array => le(8, (d) => d.setBigInt64(0, v as bigint, true));

/** java.lang.Double.compare: -0.0 < 0.0, NaN above everything and equal to itself. */
function compareDoubles(a: Physical, b: Physical): number {
  const x = a as number;
  const y = b as number;
  if (x < y) return -1;
  if (x > y) return 1;
  const bx = doubleBits(x);
  const by = doubleBits(y);
  return bx === by ? 0 : bx < by ? -1 : 1;
}
function doubleBits(x: number): bigint {
  if (Number.isNaN(x)) return 0x7ff8000000000000n;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return view.getBigInt64(0);
}

/** Unsigned lexicographic (UTF8 / plain binary order). */
function compareUnsigned(a: Physical, b: Physical): number {
  const x = a as Uint8Array;
  const y = b as Uint8Array;
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** PrimitiveComparator.BINARY_AS_SIGNED_INTEGER_COMPARATOR (FLBA decimals, INT96), equal lengths. */
function compareSignedBinary(a: Physical, b: Physical): number {
  const x = a as Uint8Array;
  const y = b as Uint8Array;
  if (x.length && y.length && (x[0]! & 0x80) !== (y[0]! & 0x80)) return x[0]! & 0x80 ? -1 : 1;
  return compareUnsigned(x, y);
}

function rebaseCheckMicros(ns: bigint, mode: 'EXCEPTION' | 'CORRECTED', what: string): void {
  if (mode === 'EXCEPTION' && floorDiv(ns, 1000n) < LAST_SWITCH_GREGORIAN_TS_US)
    throw new Error(
      `Spark 3.5 (rebase mode EXCEPTION) refuses to write ${formatTimestampNanos(ns)} into ${what}: timestamps before 1900-01-01T00:00:00Z need spark.sql.parquet.${what === 'Parquet INT96' ? 'int96RebaseModeInWrite' : 'datetimeRebaseModeInWrite'}=CORRECTED or LEGACY`,
    );
}

function layoutOf(column: SparkColumn, options: Required<Pick<SparkParquetOptions, 'timestamps' | 'rebaseMode' | 'dictionary'>>): Layout {
  const required = column.nullable === false;
  const name = column.name;
  const base = { column, required, binary: false, utf8: false, signedOrder: true, definedOrder: true, dictionary: options.dictionary };
  switch (column.type) {
    case 'string':
      return {
        ...base,
        type: 'BYTE_ARRAY',
        schema: schemaElement(name, required, 'BYTE_ARRAY', { converted: Converted.UTF8, logical: [[1, 'struct', []]] }),
        sparkType: 'string',
        signedOrder: false,
        binary: true,
        utf8: true,
        toPhysical: (v) => {
          if (typeof v !== 'string') throw new Error(`column ${name}: ${String(v)} is not a string`);
          return utf8.encode(v);
        },
        compare: compareUnsigned,
        statBytes: (v) => v as Uint8Array,
      };
    case 'integer':
      return {
        ...base,
        type: 'INT32',
        schema: schemaElement(name, required, 'INT32'),
        sparkType: 'integer',
        toPhysical: (v) => {
          if (typeof v !== 'number' || !Number.isInteger(v) || v < -2147483648 || v > 2147483647)
            throw new Error(`column ${name}: ${String(v)} is not an int32`);
          return v;
        },
        compare: compareNumbers,
        statBytes: int32Bytes,
      };
    case 'long':
      return {
        ...base,
        type: 'INT64',
        schema: schemaElement(name, required, 'INT64'),
        sparkType: 'long',
        toPhysical: (v) => {
          const n =
            typeof v === 'bigint'
              ? v
              : typeof v === 'number' && Number.isSafeInteger(v)
                ? BigInt(v)
                : typeof v === 'string' && /^[+-]?\d+$/.test(v)
                  ? BigInt(v)
                  : undefined;
          if (n === undefined || BigInt.asIntN(64, n) !== n)
            throw new Error(`column ${name}: ${String(v)} is not an int64 (give a bigint or a digit string above 2^53)`);
          return n;
        },
        compare: compareBigints,
        statBytes: int64Bytes,
      };
    case 'double':
      return {
        ...base,
        type: 'DOUBLE',
        schema: schemaElement(name, required, 'DOUBLE'),
        sparkType: 'double',
        toPhysical: (v) => {
          if (typeof v !== 'number') throw new Error(`column ${name}: ${String(v)} is not a number`);
          return v;
        },
        compare: compareDoubles,
        statBytes: (v) => le(8, (d) => d.setFloat64(0, v as number, true)),
      };
    case 'boolean':
      return {
        ...base,
        type: 'BOOLEAN',
        schema: schemaElement(name, required, 'BOOLEAN'),
        sparkType: 'boolean',
        dictionary: false,
        toPhysical: (v) => {
          if (typeof v !== 'boolean') throw new Error(`column ${name}: ${String(v)} is not a boolean`);
          return v;
        },
        compare: (a, b) => Number(a) - Number(b),
        statBytes: (v) => Uint8Array.of(v ? 1 : 0),
      };
    case 'date':
      return {
        ...base,
        type: 'INT32',
        schema: schemaElement(name, required, 'INT32', { converted: Converted.DATE, logical: [[6, 'struct', []]] }),
        sparkType: 'date',
        toPhysical: (v) => {
          const days = dateDays(v);
          if (options.rebaseMode === 'EXCEPTION' && days < LAST_SWITCH_GREGORIAN_DAY)
            throw new Error(
              `column ${name}: Spark 3.5 (rebase mode EXCEPTION) refuses to write ${formatDate(days)} (before 1582-10-15) into Parquet`,
            );
          return days;
        },
        compare: compareNumbers,
        statBytes: int32Bytes,
      };
    case 'timestamp': {
      if (options.timestamps === 'INT96')
        return {
          ...base,
          type: 'INT96',
          schema: schemaElement(name, required, 'INT96'),
          sparkType: 'timestamp',
          signedOrder: false,
          definedOrder: false,
          binary: true,
          toPhysical: (v) => {
            const ns = timestampNanos(v);
            rebaseCheckMicros(ns, options.rebaseMode, 'Parquet INT96');
            return int96FromNanos(ns);
          },
          compare: compareSignedBinary,
          statBytes: (v) => v as Uint8Array,
        };
      const micros = options.timestamps === 'TIMESTAMP_MICROS';
      return {
        ...base,
        type: 'INT64',
        schema: schemaElement(name, required, 'INT64', {
          converted: micros ? Converted.TIMESTAMP_MICROS : Converted.TIMESTAMP_MILLIS,
          logical: [
            [
              8,
              'struct',
              [
                [1, 'bool', true],
                [2, 'struct', [[micros ? 2 : 1, 'struct', []]]],
              ],
            ],
          ],
        }),
        sparkType: 'timestamp',
        toPhysical: (v) => {
          const ns = timestampNanos(v);
          if (ns % 1000n !== 0n)
            throw new Error(
              `column ${name}: ${formatTimestampNanos(ns)} has nanoseconds, which a Spark timestamp (microseconds) cannot hold`,
            );
          rebaseCheckMicros(ns, options.rebaseMode, 'Parquet');
          // DateTimeUtils.microsToMillis is a floor division.
          return micros ? ns / 1000n : floorDiv(ns, 1_000_000n);
        },
        compare: compareBigints,
        statBytes: int64Bytes,
      };
    }
    case 'decimal': {
      const precision = column.precision ?? 10;
      const scale = column.scale ?? 0;
      if (!Number.isInteger(precision) || precision < 1 || precision > 38 || !Number.isInteger(scale) || scale < 0 || scale > precision)
        throw new Error(`column ${name}: decimal(${precision},${scale}) is not a Spark decimal type`);
      const limit = 10n ** BigInt(precision);
      const unscaled = (v: Exclude<SparkCell, null | undefined>): bigint => {
        const u =
          typeof v === 'bigint'
            ? v * 10n ** BigInt(scale)
            : typeof v === 'number' || typeof v === 'string'
              ? parseDecimal(String(v), scale)
              : undefined;
        if (u === undefined) throw new Error(`column ${name}: ${String(v)} is not a decimal`);
        if (u >= limit || u <= -limit) throw new Error(`column ${name}: ${String(v)} does not fit decimal(${precision},${scale})`);
        return u;
      };
      const logical: TStruct = [
        [
          5,
          'struct',
          [
            [1, 'i32', scale],
            [2, 'i32', precision],
          ],
        ],
      ];
      const common = { ...base, sparkType: `decimal(${precision},${scale})`, signedOrder: false };
      if (precision <= 9)
        return {
          ...common,
          type: 'INT32',
          schema: schemaElement(name, required, 'INT32', { converted: Converted.DECIMAL, scale, precision, logical }),
          toPhysical: (v) => Number(unscaled(v)),
          compare: compareNumbers,
          statBytes: int32Bytes,
        };
      if (precision <= 18)
        return {
          ...common,
          type: 'INT64',
          schema: schemaElement(name, required, 'INT64', { converted: Converted.DECIMAL, scale, precision, logical }),
          toPhysical: unscaled,
          compare: compareBigints,
          statBytes: int64Bytes,
        };
      const typeLength = minBytesForPrecision(precision);
      return {
        ...common,
        type: 'FIXED_LEN_BYTE_ARRAY',
        typeLength,
        binary: true,
        schema: schemaElement(name, required, 'FIXED_LEN_BYTE_ARRAY', {
          typeLength,
          converted: Converted.DECIMAL,
          scale,
          precision,
          logical,
        }),
        toPhysical: (v) => twosComplementBE(unscaled(v), typeLength),
        compare: compareSignedBinary,
        statBytes: (v) => v as Uint8Array,
      };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// PLAIN encoding and parquet-mr's size accounting.

function writePlain(w: ByteWriter, layout: Layout, values: readonly Physical[]): void {
  switch (layout.type) {
    case 'BOOLEAN': {
      // BooleanPlainValuesWriter: bit-packed, LSB first, last byte zero-padded.
      for (let i = 0; i < values.length; i += 8) {
        let byte = 0;
        for (let b = 0; b < 8 && i + b < values.length; b++) if (values[i + b]) byte |= 1 << b;
        w.appendUint8(byte);
      }
      return;
    }
    case 'INT32':
      for (const v of values) w.appendInt32(v as number);
      return;
    case 'INT64':
      for (const v of values) w.appendInt64(v as bigint);
      return;
    case 'DOUBLE':
      for (const v of values) w.appendFloat64(v as number);
      return;
    case 'BYTE_ARRAY':
      for (const v of values) {
        w.appendUint32((v as Uint8Array).length);
        w.appendBytes(v as Uint8Array);
      }
      return;
    default:
      for (const v of values) w.appendBytes(v as Uint8Array);
  }
}

/** FallbackValuesWriter.rawDataByteSize per value (writeBytes counts length + 4 even for fixed-length values). */
function rawSize(layout: Layout, v: Physical): number {
  switch (layout.type) {
    case 'INT32':
      return 4;
    case 'INT64':
    case 'DOUBLE':
      return 8;
    default:
      return (v as Uint8Array).length + 4;
  }
}

/** DictionaryValuesWriter.dictionaryByteSize per new entry: as rawSize, but a fixed-length value counts its bytes only. */
function dictionaryEntrySize(layout: Layout, v: Physical): number {
  return layout.type === 'INT32' || layout.type === 'INT64' || layout.type === 'DOUBLE' || layout.type === 'BYTE_ARRAY'
    ? rawSize(layout, v)
    : (v as Uint8Array).length;
}

function dictionaryKey(layout: Layout, v: Physical): string | number | bigint {
  if (layout.type === 'DOUBLE') return doubleBits(v as number);
  if (v instanceof Uint8Array) {
    let s = '';
    for (let i = 0; i < v.length; i++) s += String.fromCharCode(v[i]!);
    return s;
  }
  return v as number | bigint;
}

// ---------------------------------------------------------------------------------------------
// One column chunk: FallbackValuesWriter(DictionaryValuesWriter, PlainValuesWriter) + ColumnWriterV1.

interface PageStats {
  nulls: number;
  min?: Physical;
  max?: Physical;
}

interface WrittenPage {
  bytes: Uint8Array; // header + compressed body
  uncompressedSize: number; // body only
  compressedSize: number; // body only
  headerSize: number;
  encoding: EncodingName;
  rows: number;
  firstRow: number;
  stats: PageStats;
}

class ColumnChunkWriter {
  readonly pages: WrittenPage[] = [];
  dictionaryPage?: { bytes: Uint8Array; uncompressedSize: number; compressedSize: number; headerSize: number; count: number };
  readonly chunkStats: PageStats = { nulls: 0 };
  rowsWrittenSoFar = 0;

  // current page
  private levels: RleHybridEncoder | undefined;
  private pageRows = 0;
  private pageStats: PageStats = { nulls: 0 };
  private rawDataByteSize = 0;
  private plainValues: Physical[] = [];
  private ids: number[] = [];
  private idValues: Physical[] = [];

  // dictionary state for the chunk
  private readonly useDictionary: boolean;
  private fellBack = false;
  private firstPage = true;
  private initialUsedAndHadDictionary = false;
  private readonly dict = new Map<string | number | bigint, number>();
  private readonly dictEntries: Physical[] = [];
  private dictionaryByteSize = 0;
  private lastUsedDictionarySize = 0;

  constructor(
    readonly layout: Layout,
    private readonly codec: 'SNAPPY' | 'UNCOMPRESSED',
    private readonly checksums: boolean,
    private readonly maxDictionaryBytes: number,
  ) {
    this.useDictionary = layout.dictionary;
    this.fellBack = !layout.dictionary;
    this.levels = layout.required ? undefined : new RleHybridEncoder(1);
  }

  write(value: Physical | null): void {
    this.pageRows++;
    if (value === null) {
      this.levels!.write(0);
      this.pageStats.nulls++;
      return;
    }
    this.levels?.write(1);
    const { layout } = this;
    const stats = this.pageStats;
    if (stats.min === undefined || layout.compare(value, stats.min) < 0) stats.min = value;
    if (stats.max === undefined || layout.compare(value, stats.max) > 0) stats.max = value;
    this.rawDataByteSize += layout.type === 'BOOLEAN' || layout.type === 'FIXED_LEN_BYTE_ARRAY' ? 0 : rawSize(layout, value);
    if (this.fellBack) {
      this.plainValues.push(value);
      return;
    }
    const key = dictionaryKey(layout, value);
    let id = this.dict.get(key);
    if (id === undefined) {
      id = this.dictEntries.length;
      this.dict.set(key, id);
      this.dictEntries.push(value);
      this.dictionaryByteSize += dictionaryEntrySize(layout, value);
    }
    this.ids.push(id);
    this.idValues.push(value);
    if (this.dictionaryByteSize > this.maxDictionaryBytes) this.fallBack();
  }

  /** ColumnWriterBase.getCurrentPageBufferedSize. */
  bufferedSize(): number {
    const levels = this.levels?.size ?? 0;
    if (this.layout.type === 'BOOLEAN') return levels + Math.floor(this.plainValues.length / 8);
    if (this.layout.type === 'FIXED_LEN_BYTE_ARRAY') return levels + this.plainValues.length * this.layout.typeLength!;
    return levels + this.rawDataByteSize;
  }

  get bufferedRows(): number {
    return this.pageRows;
  }

  private fallBack(): void {
    this.fellBack = true;
    this.plainValues = this.idValues;
    this.ids = [];
    this.idValues = [];
    if (this.lastUsedDictionarySize === 0) {
      this.dict.clear();
      this.dictEntries.length = 0;
      this.dictionaryByteSize = 0;
    }
  }

  private dictionaryEncoded(): Uint8Array {
    const bitWidth = widthFromMaxInt(this.dictEntries.length - 1);
    const encoder = new RleHybridEncoder(bitWidth);
    for (const id of this.ids) encoder.write(id);
    const rle = encoder.finish();
    const out = new Uint8Array(rle.length + 1);
    out[0] = bitWidth;
    out.set(rle, 1);
    this.lastUsedDictionarySize = this.dictEntries.length;
    return out;
  }

  private plainEncoded(): Uint8Array {
    const w = new ByteWriter();
    writePlain(w, this.layout, this.plainValues);
    return w.getBytes().slice();
  }

  writePage(): void {
    if (this.pageRows === 0) throw new Error('Should not write an empty page');
    let data: Uint8Array;
    let encoding: EncodingName;
    if (!this.fellBack && this.firstPage) {
      data = this.dictionaryEncoded();
      if (!(data.length + this.dictionaryByteSize < this.rawDataByteSize)) {
        this.fallBack();
        data = this.plainEncoded();
        encoding = 'PLAIN';
      } else {
        encoding = 'PLAIN_DICTIONARY';
        this.initialUsedAndHadDictionary = true;
      }
    } else if (!this.fellBack) {
      data = this.dictionaryEncoded();
      encoding = 'PLAIN_DICTIONARY';
    } else {
      data = this.plainEncoded();
      encoding = 'PLAIN';
    }
    const body = new ByteWriter();
    if (this.levels) {
      const levels = this.levels.finish();
      body.appendUint32(levels.length);
      body.appendBytes(levels);
    }
    body.appendBytes(data);
    const uncompressed = body.getBytes();
    const { header, compressed } = this.framed(PageType.DATA_PAGE, uncompressed, 5, [
      [1, 'i32', this.pageRows],
      [2, 'i32', Encoding[encoding]],
      [3, 'i32', this.layout.required ? Encoding.BIT_PACKED : Encoding.RLE],
      [4, 'i32', Encoding.BIT_PACKED],
    ]);
    const bytes = concat([header.getBytes(), compressed]);
    this.pages.push({
      bytes,
      uncompressedSize: uncompressed.length,
      compressedSize: compressed.length,
      headerSize: header.offset,
      encoding,
      rows: this.pageRows,
      firstRow: this.rowsWrittenSoFar,
      stats: this.pageStats,
    });
    mergeStats(this.chunkStats, this.pageStats, this.layout);
    this.rowsWrittenSoFar += this.pageRows;
    // reset(): a new page
    this.pageRows = 0;
    this.pageStats = { nulls: 0 };
    this.rawDataByteSize = 0;
    this.plainValues = [];
    this.ids = [];
    this.idValues = [];
    this.firstPage = false;
    this.levels = this.layout.required ? undefined : new RleHybridEncoder(1);
  }

  /** A page's compressed body and its PageHeader: type, sizes, CRC, then the page kind's own header as field `id`. */
  private framed(type: number, uncompressed: Uint8Array, id: number, kindHeader: TStruct): { header: ByteWriter; compressed: Uint8Array } {
    const compressed = this.codec === 'SNAPPY' ? snappyCompress(uncompressed) : uncompressed.slice();
    const header = new ByteWriter(64);
    writeStruct(header, [
      [1, 'i32', type],
      [2, 'i32', uncompressed.length],
      [3, 'i32', compressed.length],
      [4, 'i32', this.checksums ? crc32(compressed) : undefined],
      [id, 'struct', kindHeader],
    ]);
    return { header, compressed };
  }

  /** finalizeColumnChunk: the last page, then the dictionary page if the dictionary was used. */
  finish(): void {
    if (this.pageRows > 0) this.writePage();
    if (this.useDictionary && this.initialUsedAndHadDictionary && this.lastUsedDictionarySize > 0) {
      const w = new ByteWriter();
      writePlain(w, this.layout, this.dictEntries.slice(0, this.lastUsedDictionarySize));
      const uncompressed = w.getBytes();
      const { header, compressed } = this.framed(PageType.DICTIONARY_PAGE, uncompressed, 7, [
        [1, 'i32', this.lastUsedDictionarySize],
        [2, 'i32', Encoding.PLAIN_DICTIONARY],
      ]);
      this.dictionaryPage = {
        bytes: concat([header.getBytes(), compressed]),
        uncompressedSize: uncompressed.length,
        compressedSize: compressed.length,
        headerSize: header.offset,
        count: this.lastUsedDictionarySize,
      };
    }
  }
}

function mergeStats(into: PageStats, from: PageStats, layout: Layout): void {
  into.nulls += from.nulls;
  if (from.min !== undefined && (into.min === undefined || layout.compare(from.min, into.min) < 0)) into.min = from.min;
  if (from.max !== undefined && (into.max === undefined || layout.compare(from.max, into.max) > 0)) into.max = from.max;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** ParquetMetadataConverter.toParquetStatistics. */
function chunkStatistics(stats: PageStats, layout: Layout): TStruct {
  if (stats.min === undefined || stats.max === undefined) return [[3, 'i64', BigInt(stats.nulls)]];
  const min = layout.statBytes(stats.min);
  const max = layout.statBytes(stats.max);
  // withinLimit: binary statistics of 4 KiB or more are dropped whole (not even null_count).
  if (layout.binary && min.length + max.length >= 4096) return [];
  const equal = bytesEqual(min, max);
  const legacy = layout.signedOrder || equal;
  const modern = layout.definedOrder || equal;
  return [
    [1, 'bin', legacy ? max : undefined],
    [2, 'bin', legacy ? min : undefined],
    [3, 'i64', BigInt(stats.nulls)],
    [5, 'bin', modern ? max : undefined],
    [6, 'bin', modern ? min : undefined],
  ];
}

// Column index truncation (parquet.columnindex.truncate.length = 64), BinaryTruncator for UTF-8 and plain binary.
const COLUMN_INDEX_TRUNCATE = 64;

function truncateMin(bytes: Uint8Array, utf8Text: boolean): Uint8Array {
  if (bytes.length <= COLUMN_INDEX_TRUNCATE) return bytes;
  return utf8Text ? utf8Prefix(bytes, COLUMN_INDEX_TRUNCATE) : bytes.slice(0, COLUMN_INDEX_TRUNCATE);
}

function truncateMax(bytes: Uint8Array, utf8Text: boolean): Uint8Array {
  if (bytes.length <= COLUMN_INDEX_TRUNCATE) return bytes;
  if (!utf8Text) {
    const out = bytes.slice(0, COLUMN_INDEX_TRUNCATE);
    for (let i = out.length - 1; i >= 0; i--) {
      if (out[i]! !== 0xff) {
        out[i]!++;
        return out.slice(0, i + 1);
      }
    }
    return bytes;
  }
  // incrementUtf8: raise the last code point of the valid prefix, dropping code points that cannot grow.
  const chars = [...new TextDecoder().decode(utf8Prefix(bytes, COLUMN_INDEX_TRUNCATE))].map((c) => c.codePointAt(0)!);
  while (chars.length) {
    let cp = chars.pop()! + 1;
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xe000;
    if (cp <= 0x10ffff) {
      const out = utf8.encode(String.fromCodePoint(...chars, cp));
      if (out.length <= COLUMN_INDEX_TRUNCATE) return out;
    }
  }
  return bytes;
}

function utf8Prefix(bytes: Uint8Array, limit: number): Uint8Array {
  let end = limit;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.slice(0, end);
}

/** ColumnIndexBuilder + toParquetColumnIndex; undefined when parquet-mr writes none. */
function columnIndex(pages: readonly WrittenPage[], layout: Layout): TStruct | undefined {
  if (!layout.definedOrder) return undefined;
  const nullPages: boolean[] = [];
  const mins: Uint8Array[] = [];
  const maxs: Uint8Array[] = [];
  const nonNull: { min: Physical; max: Physical }[] = [];
  let minMaxSize = 0;
  for (const page of pages) {
    const { min, max } = page.stats;
    if (min === undefined || max === undefined) {
      nullPages.push(true);
      mins.push(new Uint8Array(0));
      maxs.push(new Uint8Array(0));
      continue;
    }
    if (layout.type === 'DOUBLE' && (Number.isNaN(min) || Number.isNaN(max))) return undefined; // invalid: no column index
    nullPages.push(false);
    let minBytes = layout.statBytes(min);
    let maxBytes = layout.statBytes(max);
    if (layout.type === 'DOUBLE') {
      // DoubleColumnIndexBuilder: a +0.0 minimum becomes -0.0 and a -0.0 maximum +0.0.
      if (min === 0) minBytes = layout.statBytes(-0);
      if (max === 0) maxBytes = layout.statBytes(0);
    }
    if (layout.binary) {
      minMaxSize += minBytes.length + maxBytes.length;
      minBytes = truncateMin(minBytes, layout.utf8);
      maxBytes = truncateMax(maxBytes, layout.utf8);
    } else minMaxSize += 2 * minBytes.length;
    mins.push(minBytes);
    maxs.push(maxBytes);
    nonNull.push({ min, max });
  }
  if (minMaxSize > pages.length * 4096) return undefined;
  const cmp = layout.compare;
  let ascending = true;
  let descending = true;
  for (let i = 1; i < nonNull.length; i++) {
    const a = nonNull[i - 1]!;
    const b = nonNull[i]!;
    if (cmp(a.min, b.min) > 0 || cmp(a.max, b.max) > 0) ascending = false;
    if (cmp(a.min, b.min) < 0 || cmp(a.max, b.max) < 0) descending = false;
  }
  return [
    [1, 'list', 'bool', nullPages],
    [2, 'list', 'bin', mins],
    [3, 'list', 'bin', maxs],
    [4, 'i32', ascending ? 1 : descending ? 2 : 0],
    [5, 'list', 'i64', pages.map((p) => BigInt(p.stats.nulls))],
  ];
}

// ---------------------------------------------------------------------------------------------
// Spark metadata.

/** StructType.json of the columns, as Spark stores it under org.apache.spark.sql.parquet.row.metadata. */
export function sparkSchemaJson(columns: readonly SparkColumn[], timestamps: SparkTimestampType = 'INT96'): string {
  const layouts = columns.map((c) => layoutOf(c, { timestamps, rebaseMode: 'CORRECTED', dictionary: true }));
  return `{"type":"struct","fields":[${layouts.map((l) => `{"name":${JSON.stringify(l.column.name)},"type":"${l.sparkType}","nullable":${!l.required},"metadata":{}}`).join(',')}]}`;
}

/** java.lang.String.hashCode. */
function javaHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** The iteration order of `new java.util.HashMap<>(m)` (JDK 17) over keys inserted in this order. */
export function javaHashMapOrder(keys: readonly string[]): string[] {
  const t = Math.floor(keys.length / 0.75 + 1);
  let capacity = 1;
  while (capacity < t) capacity *= 2;
  const buckets = new Map<number, string[]>();
  for (const key of keys) {
    const h = javaHash(key);
    const index = (h ^ (h >>> 16)) & (capacity - 1);
    buckets.set(index, [...(buckets.get(index) ?? []), key]);
  }
  return [...buckets.entries()].sort((a, b) => a[0] - b[0]).flatMap(([, ks]) => ks);
}

// ---------------------------------------------------------------------------------------------
// The file.

/** Writes one Parquet file the way a Spark 3.5 task writes its part file. */
export function writeSparkParquet(
  columns: readonly SparkColumn[],
  rows: readonly Record<string, SparkCell>[],
  options: SparkParquetOptions,
): Uint8Array {
  if (!columns.length) throw new Error('Spark cannot write a Parquet file without columns');
  const names = new Set<string>();
  for (const c of columns) {
    if (names.has(c.name)) throw new Error(`duplicate column ${c.name}`);
    names.add(c.name);
  }
  const rebaseMode = options.rebaseMode ?? 'EXCEPTION';
  const layouts = columns.map((c) => layoutOf(c, { timestamps: options.timestamps, rebaseMode, dictionary: options.dictionary ?? true }));
  const codec = options.compression ?? 'SNAPPY';
  const pageSize = options.pageSize ?? 1024 * 1024;
  const pageRowCountLimit = options.pageRowCountLimit ?? 20_000;
  const dictionaryPageSize = options.dictionaryPageSize ?? 1024 * 1024;
  const checksums = options.pageChecksums ?? true;
  const pageIndexes = options.pageIndexes ?? true;
  const rowGroupRows = options.rowGroupRows ?? Math.max(rows.length, 1);

  // Convert every cell first: a bad value fails before any byte is produced.
  const physical: (Physical | null)[][] = layouts.map((layout) =>
    rows.map((row) => {
      const v = row[layout.column.name];
      if (v === null || v === undefined) {
        if (layout.required) throw new Error(`column ${layout.column.name} is not nullable but a row has no value`);
        return null;
      }
      return layout.toPhysical(v);
    }),
  );

  const out = new ByteWriter(1 << 16);
  out.appendBytes(utf8.encode('PAR1'));
  interface ChunkMeta {
    layout: Layout;
    writer: ColumnChunkWriter;
    dataOffset: number;
    dictOffset?: number;
    compressed: number;
    uncompressed: number;
    pageOffsets: number[];
  }
  const groups: { rows: number; chunks: ChunkMeta[] }[] = [];

  for (let start = 0; start < rows.length; start += rowGroupRows) {
    const end = Math.min(rows.length, start + rowGroupRows);
    const writers = layouts.map((l) => new ColumnChunkWriter(l, codec, checksums, dictionaryPageSize));
    // ColumnWriteStoreBase.endRecord/sizeCheck schedule.
    const tolerance = Math.floor(pageSize * 0.1);
    let rowCount = 0;
    let nextSizeCheck = Math.min(100, pageRowCountLimit);
    for (let r = start; r < end; r++) {
      for (let c = 0; c < writers.length; c++) writers[c]!.write(physical[c]![r]!);
      rowCount++;
      if (rowCount < nextSizeCheck) continue;
      let minRecordToWait = Number.MAX_SAFE_INTEGER;
      let nextRowCountCheck = rowCount + pageRowCountLimit;
      for (const w of writers) {
        const used = w.bufferedSize();
        const pending = rowCount - w.rowsWrittenSoFar;
        let remaining = pageSize - used;
        if (remaining <= tolerance || pending >= pageRowCountLimit) {
          w.writePage();
          remaining = pageSize;
        } else nextRowCountCheck = Math.min(nextRowCountCheck, w.rowsWrittenSoFar + pageRowCountLimit);
        const rowsToFill = used === 0 ? 10_000 : Math.floor((pending * remaining) / used);
        if (rowsToFill < minRecordToWait) minRecordToWait = rowsToFill;
      }
      if (minRecordToWait === Number.MAX_SAFE_INTEGER) minRecordToWait = 100;
      nextSizeCheck = rowCount + Math.min(Math.max(Math.floor(minRecordToWait / 2), 100), 10_000);
      if (nextRowCountCheck < nextSizeCheck) nextSizeCheck = nextRowCountCheck;
    }
    const chunks: ChunkMeta[] = [];
    for (const w of writers) {
      w.finish();
      const meta: ChunkMeta = { layout: w.layout, writer: w, dataOffset: 0, compressed: 0, uncompressed: 0, pageOffsets: [] };
      if (w.dictionaryPage) {
        meta.dictOffset = out.offset;
        out.appendBytes(w.dictionaryPage.bytes);
        meta.compressed += w.dictionaryPage.compressedSize + w.dictionaryPage.headerSize;
        meta.uncompressed += w.dictionaryPage.uncompressedSize + w.dictionaryPage.headerSize;
      }
      meta.dataOffset = out.offset;
      for (const page of w.pages) {
        meta.pageOffsets.push(out.offset);
        out.appendBytes(page.bytes);
        meta.compressed += page.compressedSize + page.headerSize;
        meta.uncompressed += page.uncompressedSize + page.headerSize;
      }
      chunks.push(meta);
    }
    groups.push({ rows: end - start, chunks });
  }

  // Column indexes, then offset indexes (ParquetFileWriter.end).
  const columnIndexRefs = groups.map((g) =>
    g.chunks.map((chunk) => {
      const index = pageIndexes ? columnIndex(chunk.writer.pages, chunk.layout) : undefined;
      if (!index) return undefined;
      const offset = out.offset;
      writeStruct(out, index);
      return { offset, length: out.offset - offset };
    }),
  );
  const offsetIndexRefs = groups.map((g) =>
    g.chunks.map((chunk) => {
      if (!pageIndexes) return undefined;
      const offset = out.offset;
      writeStruct(out, [
        [
          1,
          'list',
          'struct',
          chunk.writer.pages.map((p, i): TStruct => [
            [1, 'i64', BigInt(chunk.pageOffsets[i]!)],
            [2, 'i32', p.bytes.length],
            [3, 'i64', BigInt(p.firstRow)],
          ]),
        ],
      ]);
      return { offset, length: out.offset - offset };
    }),
  );

  const sparkVersion = options.sparkVersion ?? DEFAULT_SPARK_VERSION;
  const kv = new Map<string, string>([
    ['org.apache.spark.version', sparkVersion],
    ['org.apache.spark.sql.parquet.row.metadata', sparkSchemaJson(columns, options.timestamps)],
  ]);
  const footer: TStruct = [
    [1, 'i32', 1],
    [
      2,
      'list',
      'struct',
      [
        [
          [4, 'bin', 'spark_schema'],
          [5, 'i32', layouts.length],
        ] satisfies TStruct,
        ...layouts.map((l) => l.schema),
      ],
    ],
    [3, 'i64', BigInt(rows.length)],
    [
      4,
      'list',
      'struct',
      groups.map((g, gi): TStruct => {
        const first = g.chunks[0]!;
        return [
          [
            1,
            'list',
            'struct',
            g.chunks.map((chunk, ci): TStruct => {
              const w = chunk.writer;
              // parquet-mr keeps these in a HashSet<Encoding> (identity hash codes: the order can change from
              // one JVM to the next); this is the order of parquet-testing's int96_from_spark.parquet.
              const encodings = new Set<EncodingName>();
              if (w.dictionaryPage) encodings.add('PLAIN_DICTIONARY');
              for (const p of w.pages) encodings.add(p.encoding);
              encodings.add('BIT_PACKED');
              if (!chunk.layout.required) encodings.add('RLE');
              const dataEncodingCounts = new Map<EncodingName, number>();
              for (const p of w.pages) dataEncodingCounts.set(p.encoding, (dataEncodingCounts.get(p.encoding) ?? 0) + 1);
              const ci_ = columnIndexRefs[gi]![ci];
              const oi = offsetIndexRefs[gi]![ci];
              return [
                [2, 'i64', BigInt(chunk.dataOffset)],
                [
                  3,
                  'struct',
                  [
                    [1, 'i32', Type[chunk.layout.type]],
                    [2, 'list', 'i32', [...encodings].map((e) => Encoding[e])],
                    [3, 'list', 'bin', [chunk.layout.column.name]],
                    [4, 'i32', Codec[codec]],
                    [5, 'i64', BigInt(g.rows)],
                    [6, 'i64', BigInt(chunk.uncompressed)],
                    [7, 'i64', BigInt(chunk.compressed)],
                    [9, 'i64', BigInt(chunk.dataOffset)],
                    [11, 'i64', chunk.dictOffset === undefined ? undefined : BigInt(chunk.dictOffset)],
                    [12, 'struct', chunkStatistics(w.chunkStats, chunk.layout)],
                    [
                      13,
                      'list',
                      'struct',
                      [
                        ...(w.dictionaryPage
                          ? [
                              [
                                [1, 'i32', PageType.DICTIONARY_PAGE],
                                [2, 'i32', Encoding.PLAIN_DICTIONARY],
                                [3, 'i32', 1],
                              ] satisfies TStruct,
                            ]
                          : []),
                        ...[...dataEncodingCounts].map(([e, n]): TStruct => [
                          [1, 'i32', PageType.DATA_PAGE],
                          [2, 'i32', Encoding[e]],
                          [3, 'i32', n],
                        ]),
                      ],
                    ],
                  ],
                ],
                [4, 'i64', oi ? BigInt(oi.offset) : undefined],
                [5, 'i32', oi?.length],
                [6, 'i64', ci_ ? BigInt(ci_.offset) : undefined],
                [7, 'i32', ci_?.length],
              ];
            }),
          ],
          [2, 'i64', BigInt(g.chunks.reduce((n, c) => n + c.uncompressed, 0))],
          [3, 'i64', BigInt(g.rows)],
          [5, 'i64', BigInt(first.dictOffset ?? first.dataOffset)],
          [6, 'i64', BigInt(g.chunks.reduce((n, c) => n + c.compressed, 0))],
          [7, 'i16', gi],
        ];
      }),
    ],
    [
      5,
      'list',
      'struct',
      javaHashMapOrder([...kv.keys()]).map((k): TStruct => [
        [1, 'bin', k],
        [2, 'bin', kv.get(k)!],
      ]),
    ],
    [6, 'bin', options.createdBy ?? PARQUET_MR_1_13_1],
    [7, 'list', 'struct', layouts.map((): TStruct => [[1, 'struct', []]])],
  ];
  const footerStart = out.offset;
  writeStruct(out, footer);
  out.appendUint32(out.offset - footerStart);
  out.appendBytes(utf8.encode('PAR1'));
  return out.getBytes().slice();
}

// ---------------------------------------------------------------------------------------------
// The output folder of a Spark write (FileFormatWriter + a Hadoop output committer).

export type SparkCommitter =
  /** FileOutputCommitter (v1 or v2) or the EMRFS S3-optimized committer (AWS Glue's default for Parquet): an empty _SUCCESS. */
  | 'file-output'
  /** S3A magic / staging committers: _SUCCESS is a JSON SuccessData manifest, not empty. */
  | 's3a';

export interface SparkOutputOptions {
  /** The write job's UUID, shared by every part file of one write. Default: random. */
  jobUuid?: string;
  /** Task partition ids of the files (part-NNNNN). Empty partitions write no file, so ids can have gaps. Default 0..n-1. */
  partIds?: readonly number[];
  committer?: SparkCommitter;
  /** Hadoop's ChecksumFileSystem siblings (.part-….crc, ._SUCCESS.crc), left only on a local file:// write. Default false. */
  localChecksums?: boolean;
  /** File name codec tag: 'snappy' (default) or 'none' (uncompressed files have no tag). */
  codec?: 'snappy' | 'none';
  /** For the s3a _SUCCESS manifest. */
  now?: Date;
}

export interface OutputFile {
  name: string;
  bytes: Uint8Array;
}

/** The names and bytes Spark leaves in an output folder for these part files (in listing order). */
export function sparkOutputFiles(parts: readonly Uint8Array[], options: SparkOutputOptions = {}): OutputFile[] {
  const uuid = options.jobUuid ?? randomUUID();
  const ids = options.partIds ?? parts.map((_, i) => i);
  if (ids.length !== parts.length) throw new Error('partIds must name every part');
  const ext = options.codec === 'none' ? '.parquet' : '.snappy.parquet';
  const files: OutputFile[] = parts.map((bytes, i) => ({ name: `part-${String(ids[i]).padStart(5, '0')}-${uuid}-c000${ext}`, bytes }));
  let success = new Uint8Array(0);
  if (options.committer === 's3a') {
    const now = options.now ?? new Date();
    success = utf8.encode(
      JSON.stringify(
        {
          name: 'org.apache.hadoop.fs.s3a.commit.files.SuccessData/1',
          timestamp: now.getTime(),
          date: now.toString(),
          hostname: 'fixture',
          committer: 'magic',
          description: 'Task committer attempt_fixture',
          metrics: {},
          diagnostics: {},
          filenames: files.map((f) => '/' + f.name),
          success: true,
        },
        null,
        2,
      ),
    );
  }
  files.push({ name: '_SUCCESS', bytes: success });
  if (options.localChecksums) {
    for (const f of [...files]) files.push({ name: `.${f.name}.crc`, bytes: hadoopChecksumFile(f.bytes) });
  }
  return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Writes sparkOutputFiles(parts) into `dir` (created if missing); returns the file names. */
export async function writeSparkOutputFolder(
  dir: string,
  parts: readonly Uint8Array[],
  options: SparkOutputOptions = {},
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files = sparkOutputFiles(parts, options);
  for (const f of files) await writeFile(join(dir, f.name), f.bytes);
  return files.map((f) => f.name);
}

/** A Hadoop ChecksumFileSystem .crc file: 'crc\0', bytesPerChecksum (512, big-endian), then one CRC32 per 512-byte chunk. */
export function hadoopChecksumFile(bytes: Uint8Array, bytesPerChecksum = 512): Uint8Array {
  const chunks = Math.ceil(bytes.length / bytesPerChecksum);
  const out = new Uint8Array(8 + 4 * chunks);
  const view = new DataView(out.buffer);
  out.set([0x63, 0x72, 0x63, 0], 0);
  view.setInt32(4, bytesPerChecksum);
  for (let i = 0; i < chunks; i++) view.setInt32(8 + 4 * i, crc32(bytes.subarray(i * bytesPerChecksum, (i + 1) * bytesPerChecksum)));
  return out;
}

/**
 * Spark's own filter for data files in a folder (InMemoryFileIndex.shouldFilterOutPathName): names
 * starting with '_' (without '=') or '.', and names ending in '._COPYING_', are not data.
 */
export function isSparkDataFile(name: string): boolean {
  const exclude = (name.startsWith('_') && !name.includes('=')) || name.startsWith('.') || name.endsWith('._COPYING_');
  const include = name.startsWith('_common_metadata') || name.startsWith('_metadata');
  return !(exclude && !include);
}
