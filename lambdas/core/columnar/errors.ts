// Errors of the columnar module: a Parquet file the pipeline cannot read, or a table it cannot write.
import { PermanentError } from '../errors.js';

/** A Parquet column whose type or shape the pipeline does not read. */
export class ParquetSchemaError extends PermanentError {
  constructor(
    readonly column: string,
    readonly detail: string,
    readonly file?: string,
  ) {
    super('ParquetSchemaError', `Parquet column "${column}"${file ? ` of ${file}` : ''} ${detail}`);
  }
}

/** A Parquet file that is not valid Parquet, or is truncated. */
export class ParquetFormatError extends PermanentError {
  constructor(
    readonly file: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super('ParquetFormatError', `${file} is not a readable Parquet file (${detail}); it was written by another tool or truncated`, options);
  }
}

/** Values of a column that its declared type cannot hold (a string column given numbers, say). */
export class ColumnTypeError extends PermanentError {
  constructor(
    readonly column: string,
    message: string,
  ) {
    super('ColumnTypeError', message);
  }
}
