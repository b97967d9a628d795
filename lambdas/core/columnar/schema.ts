// One mapping of the config's field types to Parquet physical and logical types that DuckDB, Athena and
// Spark read as the declared type, its inverse, the one type name columns are compared by, and the
// Glue catalog's type names.
import type { FieldType } from '../config.js';
import type { SchemaElement } from './hyparquet.js';
import { ParquetSchemaError } from './errors.js';
import type { TableColumn } from './types.js';

/** The Parquet schema element for one column (always OPTIONAL: absent values are nulls). */
export function parquetSchemaElement(column: TableColumn): SchemaElement {
  const base = { name: column.name, repetition_type: 'OPTIONAL' as const };
  switch (column.type) {
    // A json field's text is a UTF-8 string column: Athena's json_extract and DuckDB's take varchar.
    case 'json':
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
      // Microseconds, the unit Athena (Trino) and Spark use. The converted type TIMESTAMP_MICROS is by the spec
      // an instant adjusted to UTC; no LogicalType beside it, because DuckDB reads that one as TIMESTAMPTZ,
      // whose text and date parts follow the session's time zone, while this reads as TIMESTAMP (UTC) everywhere.
      return { ...base, type: 'INT64', converted_type: 'TIMESTAMP_MICROS' };
    case 'decimal': {
      // The physical type the Parquet spec gives a precision: INT32 to 9 digits, INT64 to 18, then fixed bytes.
      const precision = column.precision ?? 18;
      const scale = column.scale ?? 0;
      const decimal = {
        converted_type: 'DECIMAL' as const,
        logical_type: { type: 'DECIMAL' as const, precision, scale },
        precision,
        scale,
      };
      if (precision <= 9) return { ...base, type: 'INT32', ...decimal };
      if (precision <= 18) return { ...base, type: 'INT64', ...decimal };
      return { ...base, type: 'FIXED_LEN_BYTE_ARRAY', type_length: decimalByteLength(precision), ...decimal };
    }
  }
}

/** The bytes a FIXED_LEN_BYTE_ARRAY decimal of this precision takes: the smallest n with 2^(8n-1) > 10^precision. */
export function decimalByteLength(precision: number): number {
  return Math.ceil((precision * Math.log2(10) + 1) / 8);
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
    case 'INT96':
      // Spark's default timestamp (spark.sql.parquet.outputTimestampType=INT96) carries no annotation at all.
      return { name, type: 'timestamp' };
    default:
      throw new ParquetSchemaError(name, `has type ${element.type}, which the pipeline does not read`);
  }
}

/** A column's type in the config's own words, e.g. integer or decimal(18,2): the one name columns are compared and reported by. */
export function typeName(column: { type: FieldType; precision?: number; scale?: number }): string {
  return column.type === 'decimal' ? `decimal(${column.precision ?? 18},${column.scale ?? 0})` : column.type;
}

/** The Glue / Hive type of a column in the catalog, e.g. int or decimal(18,2). */
export function glueType(column: { type: FieldType; precision?: number; scale?: number }): string {
  const names: Record<FieldType, string> = {
    string: 'string',
    integer: 'int',
    long: 'bigint',
    double: 'double',
    decimal: 'decimal',
    boolean: 'boolean',
    date: 'date',
    timestamp: 'timestamp',
    json: 'string',
  };
  return column.type === 'decimal' ? typeName(column) : names[column.type];
}
