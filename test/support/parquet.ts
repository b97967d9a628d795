// Tests' independent Parquet paths: hyparquet's generic reader and hyparquet-writer's generic writer (not
// the pipeline's flat reader and writer), and row objects to and from column tables.
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { DEFAULT_PARSERS } from 'hyparquet/src/convert.js';
import { parquetWriteBuffer, type ColumnSource } from 'hyparquet-writer';
import { cellAt, cellsOf } from '../../lambdas/core/columnar/columns.js';
import { parquetSchemaElement, tableColumnFromSchema } from '../../lambdas/core/columnar/schema.js';
import type { CellValue, ColumnTable, FlatTable, TableColumn } from '../../lambdas/core/columnar/types.js';
import type { FieldType } from '../../lambdas/core/config.js';

/** Columns from `name: type` pairs, each type as typeName writes it (`string`, `decimal(18,2)`, ...). */
export function tableColumns(spec: Record<string, string>): TableColumn[] {
  return Object.entries(spec).map(([name, type]) => {
    const decimal = /^decimal\((\d+),(\d+)\)$/.exec(type);
    return decimal
      ? { name, type: 'decimal', precision: Number(decimal[1]), scale: Number(decimal[2]) }
      : { name, type: type as FieldType };
  });
}

/** Row objects to a column table; absent properties become null. */
export function tableFromRows(columns: TableColumn[], rows: readonly Record<string, CellValue | undefined>[]): ColumnTable {
  const data: Record<string, CellValue[]> = {};
  for (const c of columns) {
    const values = new Array<CellValue>(rows.length);
    for (let i = 0; i < rows.length; i++) values[i] = rows[i]![c.name] ?? null;
    data[c.name] = values;
  }
  return { columns, data, rowCount: rows.length };
}

/** Row objects of a table (typed numeric columns as their cells: Dates for dates, booleans for booleans). */
export function rowsFromTable(table: FlatTable): Record<string, CellValue>[] {
  const rows: Record<string, CellValue>[] = new Array(table.rowCount);
  for (let i = 0; i < table.rowCount; i++) {
    const row: Record<string, CellValue> = {};
    for (const c of table.columns) row[c.name] = cellAt(c.type, table.data[c.name], i);
    rows[i] = row;
  }
  return rows;
}

/** The table with every column as an array of cells. */
export function cellTable(table: FlatTable): ColumnTable {
  const data: Record<string, CellValue[]> = {};
  for (const c of table.columns) {
    const values = table.data[c.name];
    data[c.name] =
      values === undefined ? new Array<CellValue>(table.rowCount).fill(null) : Array.from(cellsOf(c, values), (v) => v ?? null);
  }
  return { columns: table.columns, data, rowCount: table.rowCount };
}

export interface WriteParquetOptions {
  rowGroupSize?: number;
  statistics?: boolean;
  kvMetadata?: { key: string; value: string }[];
}

/** Writes a column table as snappy Parquet through hyparquet-writer's generic path. */
export function writeParquet(table: ColumnTable, options: WriteParquetOptions = {}): Uint8Array {
  const columnData: ColumnSource[] = table.columns.map((c) => ({
    name: c.name,
    data: c.type === 'long' ? table.data[c.name]!.map((v) => (v === null ? null : BigInt(v as number))) : table.data[c.name]!,
  }));
  const buffer = parquetWriteBuffer({
    columnData,
    schema: [{ name: 'root', num_children: table.columns.length }, ...table.columns.map(parquetSchemaElement)],
    codec: 'SNAPPY',
    statistics: options.statistics ?? true,
    rowGroupSize: options.rowGroupSize ?? 100_000,
    kvMetadata: options.kvMetadata,
    createdBy: 'medallion-pipeline tests',
  });
  return new Uint8Array(buffer);
}

/**
 * Reads Parquet bytes into a column table through hyparquet's generic reader, typed by the file's schema (or
 * `columns`), in the pipeline's cell forms: decimals as unscaled bigints (hyparquet is handed their raw
 * integers: its own conversion is a double), longs as bigints, timestamps as epoch microseconds.
 */
export async function readParquet(bytes: Uint8Array, columns?: TableColumn[]): Promise<ColumnTable> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const parsed = parquetMetadata(file);
  const fileColumns = columns ?? parsed.schema.slice(1).map(tableColumnFromSchema);
  const metadata = {
    ...parsed,
    schema: parsed.schema.map((e) => (e.converted_type === 'DECIMAL' ? { ...e, converted_type: undefined, logical_type: undefined } : e)),
  };
  const parsers = {
    ...DEFAULT_PARSERS,
    timestampFromMilliseconds: (ms: bigint) => Number(ms) * 1000,
    timestampFromMicroseconds: (us: bigint) => Number(us),
    timestampFromNanoseconds: (ns: bigint) => Number(ns / 1000n),
  };
  const rows = (await parquetReadObjects({ file, metadata, parsers, columns: fileColumns.map((c) => c.name) })) as Record<
    string,
    unknown
  >[];
  const data: Record<string, CellValue[]> = {};
  for (const c of fileColumns) {
    const values = new Array<CellValue>(rows.length);
    for (let i = 0; i < rows.length; i++) values[i] = normaliseCell(rows[i]![c.name], c.type);
    data[c.name] = values;
  }
  return { columns: fileColumns, data, rowCount: rows.length };
}

function normaliseCell(value: unknown, type: FieldType): CellValue {
  if (value === undefined || value === null) return null;
  if (type === 'decimal' || type === 'long') {
    if (typeof value === 'bigint') return value;
    if (value instanceof Uint8Array) {
      let n = 0n;
      for (const b of value) n = (n << 8n) | BigInt(b);
      return value[0]! >= 0x80 ? n - (1n << BigInt(value.length * 8)) : n;
    }
    return BigInt(value as number);
  }
  if (type === 'timestamp' && value instanceof Date) return value.getTime() * 1000;
  if (typeof value === 'bigint') return Number(value);
  if (type === 'date' && !(value instanceof Date)) return new Date(Number(value) * 86_400_000);
  return value as CellValue;
}
