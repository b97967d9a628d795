// The local Athena: DuckDB over the local catalog. Before each query every catalog table becomes a view
// `database.table` over its registered partitions' Parquet files, with the partition values as columns.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CatalogTable } from '../../ports/catalog.js';
import type { QueryEngine, QueryRow } from '../../ports/query-engine.js';
import { quoteIdentifier, sqlString, sqlType } from '../../core/consolidate/sql.js';
import type { JsonCatalog } from './json-catalog.js';

export interface DuckDbQueryEngineOptions {
  catalog: JsonCatalog;
  /** A partition location (URI) as a local folder path. */
  resolve: (location: string) => string;
}

const q = (name: string) => quoteIdentifier(name, 'duckdb');

export class DuckDbQueryEngine implements QueryEngine {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly options: DuckDbQueryEngineOptions,
  ) {}

  static async open(options: DuckDbQueryEngineOptions): Promise<DuckDbQueryEngine> {
    const instance = await DuckDBInstance.create(':memory:');
    return new DuckDbQueryEngine(instance, await instance.connect(), options);
  }

  async query(sql: string): Promise<QueryRow[]> {
    await this.refreshViews();
    const reader = await this.connection.runAndReadAll(sql);
    return reader.getRowObjectsJS().map(plainRow);
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }

  private async refreshViews(): Promise<void> {
    const statements: string[] = [];
    for (const table of await this.options.catalog.tables()) {
      statements.push(`CREATE SCHEMA IF NOT EXISTS ${q(table.database)};`);
      statements.push(`CREATE OR REPLACE VIEW ${q(table.database)}.${q(table.name)} AS ${await this.viewSql(table)};`);
    }
    if (statements.length > 0) await this.connection.run(statements.join('\n'));
  }

  private async viewSql(table: CatalogTable): Promise<string> {
    const dataColumns = table.columns.filter((c) => !table.partitionKeys.includes(c.name));
    const selects: string[] = [];
    for (const partition of await this.options.catalog.partitions(table.database, table.name)) {
      const files = await parquetFiles(this.options.resolve(partition.location));
      if (files.length === 0) continue;
      const values = table.partitionKeys.map((k) => `${sqlString(partition.values[k] ?? '')} AS ${q(k)}`);
      selects.push(
        `SELECT ${[...dataColumns.map((c) => q(c.name)), ...values].join(', ')} FROM read_parquet([${files.map(sqlString).join(', ')}], union_by_name = true)`,
      );
    }
    if (selects.length > 0) return selects.join(' UNION ALL ');
    // No partition yet: an empty view with the declared columns, so queries still bind.
    const empty = [
      ...dataColumns.map((c) => `CAST(NULL AS ${sqlType(c, 'duckdb')}) AS ${q(c.name)}`),
      ...table.partitionKeys.map((k) => `CAST(NULL AS VARCHAR) AS ${q(k)}`),
    ];
    return `SELECT ${empty.join(', ')} WHERE false`;
  }
}

async function parquetFiles(folder: string): Promise<string[]> {
  try {
    const entries = await readdir(folder, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isFile() && e.name.endsWith('.parquet'))
      .map((e) => join(e.parentPath, e.name))
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** DuckDB's JS values made plain: bigints as numbers (strings beyond 2^53), decimals as numbers, timestamps as Dates. */
function plainRow(row: Record<string, unknown>): QueryRow {
  const out: QueryRow = {};
  for (const [k, v] of Object.entries(row)) {
    if (typeof v === 'bigint') out[k] = Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
    else out[k] = v;
  }
  return out;
}
