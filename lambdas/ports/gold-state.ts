// The GoldStateEngine port: SQL that changes the gold state tables (Athena on Iceberg in AWS, DuckDB locally).
import type { SqlDialect } from '../core/consolidate/sql.js';
import type { CatalogColumn } from './catalog.js';
import type { QueryRow } from './query-engine.js';

/** A state table (current state, history): catalog names, columns, base location in the gold bucket. */
export interface StateTable {
  database: string;
  table: string;
  columns: CatalogColumn[];
  location: string;
}

export type RunSql = (sql: string) => Promise<QueryRow[]>;

export interface GoldStateEngine {
  /** The dialect the statements must be written in. */
  readonly dialect: SqlDialect;
  /**
   * Runs `work` with `tables` writable by SQL and every lake table readable by its catalog name. Athena changes
   * its Iceberg tables in place; locally each table is loaded into DuckDB from its published Parquet and
   * published back, as a new version, only once `work` has succeeded.
   */
  withTables<T>(tables: readonly StateTable[], work: (sql: RunSql) => Promise<T>): Promise<T>;
}
