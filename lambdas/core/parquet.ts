// Typed column tables to and from Parquet bytes (snappy), with one mapping of the config's field
// types to Parquet physical/logical types that DuckDB, Athena and Spark read as the declared type.
import { parquetMetadata, parquetReadObjects, type SchemaElement } from 'hyparquet';
import { parquetWriteBuffer, type ColumnSource } from 'hyparquet-writer';
import type { FieldType } from './config.js';
import { cellAt, type FlatTable } from './column-data.js';

export interface TableColumn {
  name: string;
  type: FieldType;
  precision?: number;
  scale?: number;
}

/**
 * In-memory value per field type: string -> string; integer, double, decimal -> number
 * (decimal is exact up to 15 significant digits); long -> number (safe up to 2^53);
 * boolean -> boolean; date, timestamp -> Date (UTC). null for a missing value.
 */
export type CellValue = string | number | boolean | Date | null;

/** A table held column by column: `data[name][row]`. */
export interface ColumnTable {
  columns: TableColumn[];
  data: Record<string, CellValue[]>;
  rowCount: number;
}

export function emptyTable(columns: TableColumn[]): ColumnTable {
  return { columns, data: Object.fromEntries(columns.map((c) => [c.name, []])), rowCount: 0 };
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

/** The Parquet schema element for one column (always OPTIONAL: absent values are nulls). */
export function parquetSchemaElement(column: TableColumn): SchemaElement {
  const base = { name: column.name, repetition_type: 'OPTIONAL' as const };
  switch (column.type) {
    case 'string':
      return { ...base, type: 'BYTE_ARRAY', converted_type: 'UTF8' };
    case 'integer':
      return { ...base, type: 'INT32' };
    case 'long':
      return { ...base, type: 'INT64' };
    case 'double':
      return { ...base, type: 'DOUBLE' };
    case 'boolean':
      return { ...base, type: 'BOOLEAN' };
    case 'date':
      return { ...base, type: 'INT32', converted_type: 'DATE' };
    case 'timestamp':
      // TIMESTAMP_MILLIS reads as TIMESTAMP in DuckDB, Athena (Trino) and Spark alike.
      return { ...base, type: 'INT64', converted_type: 'TIMESTAMP_MILLIS' };
    case 'decimal': {
      const precision = column.precision ?? 18;
      const scale = column.scale ?? 0;
      if (precision <= 9) return { ...base, type: 'INT32', converted_type: 'DECIMAL', precision, scale };
      if (precision <= 18) return { ...base, type: 'INT64', converted_type: 'DECIMAL', precision, scale };
      return { ...base, type: 'FIXED_LEN_BYTE_ARRAY', type_length: decimalByteLength(precision), converted_type: 'DECIMAL', precision, scale };
    }
  }
}

function decimalByteLength(precision: number): number {
  // Smallest n with 2^(8n-1) > 10^precision.
  return Math.ceil((precision * Math.log2(10) + 1) / 8);
}

export interface WriteParquetOptions {
  rowGroupSize?: number;
  statistics?: boolean;
  kvMetadata?: { key: string; value: string }[];
}

/** Writes a column table as snappy-compressed Parquet. */
export function writeParquet(table: ColumnTable, options: WriteParquetOptions = {}): Uint8Array {
  const schema: SchemaElement[] = [{ name: 'root', num_children: table.columns.length }, ...table.columns.map(parquetSchemaElement)];
  const columnData: ColumnSource[] = table.columns.map((c) => ({
    name: c.name,
    data: c.type === 'long' ? table.data[c.name]!.map((v) => (v === null ? null : BigInt(v as number))) : table.data[c.name]!,
  }));
  const buffer = parquetWriteBuffer({
    columnData,
    schema,
    codec: 'SNAPPY',
    statistics: options.statistics ?? true,
    rowGroupSize: options.rowGroupSize ?? 100_000,
    kvMetadata: options.kvMetadata,
    createdBy: 'medallion-pipeline',
  });
  return new Uint8Array(buffer);
}

/** Reads Parquet bytes into a column table, typed by the file's own schema (or `columns` when given). */
export async function readParquet(bytes: Uint8Array, columns?: TableColumn[]): Promise<ColumnTable> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const metadata = parquetMetadata(file);
  const fileColumns = columns ?? metadata.schema.slice(1).map(tableColumnFromSchema);
  const rows = (await parquetReadObjects({ file, metadata, columns: fileColumns.map((c) => c.name) })) as Record<string, unknown>[];
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
  if (typeof value === 'bigint') return Number(value);
  if (type === 'date' && !(value instanceof Date)) return new Date(Number(value) * 86_400_000);
  return value as CellValue;
}

/** The column type that a Parquet schema element stands for (the inverse of parquetSchemaElement). */
export function tableColumnFromSchema(element: SchemaElement): TableColumn {
  const name = element.name;
  if (element.converted_type === 'DECIMAL' || element.logical_type?.type === 'DECIMAL')
    return { name, type: 'decimal', precision: element.precision, scale: element.scale ?? 0 };
  if (element.converted_type === 'UTF8' || element.logical_type?.type === 'STRING') return { name, type: 'string' };
  if (element.converted_type === 'DATE' || element.logical_type?.type === 'DATE') return { name, type: 'date' };
  if (element.converted_type?.startsWith('TIMESTAMP') || element.logical_type?.type === 'TIMESTAMP') return { name, type: 'timestamp' };
  switch (element.type) {
    case 'INT32':
      return { name, type: 'integer' };
    case 'INT64':
      return { name, type: 'long' };
    case 'DOUBLE':
    case 'FLOAT':
      return { name, type: 'double' };
    case 'BOOLEAN':
      return { name, type: 'boolean' };
    case 'BYTE_ARRAY':
      return { name, type: 'string' };
    default:
      throw new Error(`Parquet column "${name}" has type ${element.type}, which the pipeline does not read`);
  }
}
