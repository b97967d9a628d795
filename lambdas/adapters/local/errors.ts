// Errors of the local adapters (the file-system lake, the JSON catalog, DuckDB).
import { PermanentError } from '../../core/errors.js';

/** The local catalog file cannot be read or holds a partition without a value for a key. */
export class LocalCatalogError extends PermanentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('LocalCatalogError', message, options);
  }
}

/** A catalog table with a file DuckDB cannot read: the queries touching that table fail with this; the others run. */
export class LocalTableUnreadableError extends PermanentError {
  constructor(
    readonly database: string,
    readonly table: string,
    problem: { file?: string; reason: string },
    options?: { cause?: unknown },
  ) {
    super(
      'LocalTableUnreadableError',
      `Table ${database}.${table} cannot be read: ${problem.file ? `file ${problem.file} is not readable Parquet` : 'its files do not make one table'} (${problem.reason}); ` +
        'delete or replace that file, or rerun the window that wrote it with `npm start -- --force`; queries on other tables still run',
      options,
    );
  }
}
