// The pipeline's table and column types: how silver and gold rows are held in memory between Parquet
// files. Every stage uses these; only the columnar module turns them into bytes and back.
import type { FieldType } from '../config.js';

export interface TableColumn {
  name: string;
  type: FieldType;
  precision?: number;
  scale?: number;
}

/**
 * In-memory value per field type: string -> string; integer, double -> number; long -> bigint (exact to
 * 2^63); decimal -> bigint, its unscaled integer at the column's scale (12.30 in decimal(18,2) is 1230n),
 * exact to precision 38; boolean -> boolean; date -> Date (UTC) or epoch milliseconds; timestamp -> epoch
 * microseconds as a number (exact for years 1685-2255, see lambdas/core/instant.ts). null for a missing value.
 */
export type CellValue = string | number | bigint | boolean | Date | null;

/** A table held column by column as cells: `data[name][row]`. */
export interface ColumnTable {
  columns: TableColumn[];
  data: Record<string, CellValue[]>;
  rowCount: number;
}

/**
 * A numeric column held in typed arrays: the value of row i is numbers[i] when present[i] is 1, else
 * null (booleans as 1/0, dates as epoch milliseconds, timestamps as epoch microseconds). Writing it boxes
 * no value. Longs and decimals are never held so: a double cannot hold them exactly.
 */
export interface NumericColumn {
  numbers: Float64Array;
  present: Uint8Array;
}

/**
 * A string column held as UTF-8: row i is bytes[starts[i], starts[i] + lengths[i]), null where lengths[i]
 * is -1. UTF-8 byte order is code point order, the order of DuckDB, Trino and Spark, so values compare
 * and sort without being decoded.
 */
export interface Utf8Column {
  bytes: Uint8Array;
  starts: Uint32Array;
  lengths: Int32Array;
}

/** One column's values: an array of cells, typed numbers, or UTF-8 bytes. */
export type FlatColumnData = ArrayLike<CellValue | undefined> | NumericColumn | Utf8Column;

/** A table whose columns may each be held in any of the three forms. */
export interface FlatTable {
  columns: TableColumn[];
  data: Record<string, FlatColumnData>;
  rowCount: number;
}
