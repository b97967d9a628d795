// Errors of the local adapters (the file-system lake, the JSON catalog, DuckDB).
import { PermanentError } from '../../core/errors.js';

/** The local catalog file cannot be read or holds a partition without a value for a key. */
export class LocalCatalogError extends PermanentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('LocalCatalogError', message, options);
  }
}
