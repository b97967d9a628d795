// The local Athena: DuckDB over the local catalog. Before each query every catalog table becomes a view
// `database.table` over its registered partitions' Parquet files, with the partition values as columns;
// a table with an unreadable file gets no view, so that only the queries touching it fail, naming the file.
// Each partition is read as the table's current columns: one its files lack (added since) reads as a typed
// NULL, and every column is CAST to the table's type (a no-op unless the column was widened since).
import {
  DuckDBInstance,
  DuckDBTypeId,
  JSDuckDBValueConverter,
  type DuckDBConnection,
  type DuckDBValueConverter,
  type JS,
} from '@duckdb/node-api';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CatalogTable } from '../../ports/catalog.js';
import type { QueryEngine, QueryRow } from '../../ports/query-engine.js';
import { quoteIdentifier, sqlString, sqlType } from '../../core/consolidate/sql.js';
import { LocalTableUnreadableError } from './errors.js';
import type { CatalogPartition, JsonCatalog } from './json-catalog.js';

export interface DuckDbQueryEngineOptions {
  catalog: JsonCatalog;
  /** A partition location (URI) as a local folder path. */
  resolve: (location: string) => string;
}

const q = (name: string) => quoteIdentifier(name, 'duckdb');

export class DuckDbQueryEngine implements QueryEngine {
  /** The column names of each Parquet file read so far. */
  private readonly columnsByFile = new Map<string, ReadonlySet<string>>();
  /** Tables held as DuckDB tables for statements to change (the gold state tables): no view replaces them. */
  private readonly held = new Set<string>();
  /** Each view's catalog entry and files when it was last created: unchanged, it is not created again. */
  private readonly viewSignatures = new Map<string, string>();
  /** The files of each published version folder (`.../v=<id>/`), which publication never writes again. */
  private readonly versionFiles = new Map<string, string[]>();

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
    const unreadable = await this.refreshViews(sql);
    try {
      const reader = await this.connection.runAndReadAll(sql);
      return reader.convertRowObjects(exactValues).map(plainRow);
    } catch (err) {
      // The query named a table left without a view: say which file keeps it from being read.
      const message = (err as Error).message;
      const hit = message.startsWith('Catalog Error')
        ? unreadable.find((u) => new RegExp(`\\b${u.table}\\b`, 'i').test(message))
        : undefined;
      throw hit ?? err;
    }
  }

  /**
   * Makes `database.name` a DuckDB table holding its published rows (an empty schema when it has none yet,
   * for a CREATE TABLE to fill), which statements may then change; views of other tables stay as they are.
   */
  async holdTable(database: string, name: string): Promise<void> {
    this.held.add(`${database}.${name}`);
    await this.connection.run(`CREATE SCHEMA IF NOT EXISTS ${q(database)}`);
    await this.connection.run(`DROP VIEW IF EXISTS ${q(database)}.${q(name)}`);
    const table = (await this.options.catalog.tables()).find((t) => t.database === database && t.name === name);
    const partitions = table ? await this.partitionFiles(await this.options.catalog.partitions(database, name)) : [];
    if (!table || partitions.length === 0) return;
    const files = partitions.flatMap((p) => p.files);
    await this.connection.run(
      `CREATE TABLE ${q(database)}.${q(name)} AS ${this.viewSql(table, partitions, await this.fileColumns(files))}`,
    );
  }

  /** Writes a held table's rows to one Parquet file; false when no statement created the table. */
  async exportTable(database: string, name: string, file: string): Promise<boolean> {
    const found = await this.connection.runAndReadAll(
      `SELECT 1 FROM information_schema.tables WHERE table_schema = ${sqlString(database)} AND table_name = ${sqlString(name)} AND table_type = 'BASE TABLE'`,
    );
    if (found.currentRowCount === 0) return false;
    await this.connection.run(`COPY ${q(database)}.${q(name)} TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd)`);
    return true;
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }

  /**
   * Creates or replaces the view of each table `sql` names, one at a time; returns the tables whose files cannot be
   * read (and drops their views). A table the statement does not name keeps its view as it was: no view reads
   * another, and binding a view opens every file of its partitions, which a long backfill's aggregates (a query
   * and a publication per day) would otherwise pay for every table on every query.
   */
  private async refreshViews(sql: string): Promise<LocalTableUnreadableError[]> {
    const unreadable: LocalTableUnreadableError[] = [];
    const schemas = new Set<string>();
    const text = sql.toLowerCase();
    for (const table of await this.options.catalog.tables()) {
      if (this.held.has(`${table.database}.${table.name}`)) continue;
      if (!text.includes(table.name.toLowerCase())) continue;
      const view = `${q(table.database)}.${q(table.name)}`;
      if (!schemas.has(table.database)) await this.connection.run(`CREATE SCHEMA IF NOT EXISTS ${q(table.database)}`);
      schemas.add(table.database);
      const partitions = await this.partitionFiles(await this.options.catalog.partitions(table.database, table.name));
      // A run publishes between queries; only the tables whose entry or files changed need their views again.
      const signature = JSON.stringify([table, partitions]);
      if (this.viewSignatures.get(view) === signature) continue;
      this.viewSignatures.delete(view);
      try {
        await this.connection.run(`CREATE OR REPLACE VIEW ${view} AS ${this.viewSql(table, partitions)}`);
        this.viewSignatures.set(view, signature);
      } catch {
        // Most likely a partition written before a column was added: read which columns each file holds
        // (only now, as footers cost a read per file) and select NULL for the others.
        const files = partitions.flatMap((p) => p.files);
        try {
          await this.connection.run(`CREATE OR REPLACE VIEW ${view} AS ${this.viewSql(table, partitions, await this.fileColumns(files))}`);
          this.viewSignatures.set(view, signature);
        } catch (err) {
          await this.connection.run(`DROP VIEW IF EXISTS ${view}`);
          unreadable.push(
            new LocalTableUnreadableError(table.database, table.name, await this.firstUnreadable(files, err), { cause: err }),
          );
        }
      }
    }
    return unreadable;
  }

  /** The first file DuckDB cannot read as Parquet, with its reason; or the view's own error when each file reads alone. */
  private async firstUnreadable(files: string[], viewError: unknown): Promise<{ file?: string; reason: string }> {
    for (const file of files) {
      try {
        await this.connection.run(`SELECT 1 FROM parquet_metadata(${sqlString(file)}) LIMIT 1`);
      } catch (err) {
        return { file, reason: firstLine(err) };
      }
    }
    return { reason: firstLine(viewError) };
  }

  /** The table's registered partitions that hold Parquet files, with those files. */
  private async partitionFiles(listed: readonly CatalogPartition[]): Promise<PartitionFiles[]> {
    const partitions: PartitionFiles[] = [];
    for (const partition of listed) {
      const version = /\/v=[^/]+\/?$/.test(partition.location);
      let files = version ? this.versionFiles.get(partition.location) : undefined;
      if (!files) {
        files = await parquetFiles(this.options.resolve(partition.location));
        if (version && files.length > 0) this.versionFiles.set(partition.location, files);
      }
      if (files.length > 0) partitions.push({ values: partition.values, files });
    }
    return partitions;
  }

  /** The view's SELECT; without `columnsOf` (each file's column names) every declared column is taken to be in every file. */
  private viewSql(table: CatalogTable, partitions: PartitionFiles[], columnsOf?: Map<string, ReadonlySet<string>>): string {
    const dataColumns = table.columns.filter((c) => !table.partitionKeys.includes(c.name));
    const selects = partitions.map(({ values, files }) => {
      const present = columnsOf ? new Set(files.flatMap((f) => [...(columnsOf.get(f) ?? [])])) : new Set(dataColumns.map((c) => c.name));
      const keys = table.partitionKeys.map((k) => `${sqlString(values[k] ?? '')} AS ${q(k)}`);
      const columns = dataColumns.map(
        (c) => `CAST(${present.has(c.name) ? q(c.name) : 'NULL'} AS ${sqlType(c, 'duckdb')}) AS ${q(c.name)}`,
      );
      return `SELECT ${[...columns, ...keys].join(', ')} FROM read_parquet([${files.map(sqlString).join(', ')}], union_by_name = true)`;
    });
    if (selects.length > 0) return selects.join(' UNION ALL ');
    // No partition yet: an empty view with the declared columns, so queries still bind.
    const empty = [
      ...dataColumns.map((c) => `CAST(NULL AS ${sqlType(c, 'duckdb')}) AS ${q(c.name)}`),
      ...table.partitionKeys.map((k) => `CAST(NULL AS VARCHAR) AS ${q(k)}`),
    ];
    return `SELECT ${empty.join(', ')} WHERE false`;
  }

  /**
   * The column names in each file's footer, read once per file (a version's files never change) and for all
   * of a table's files not read yet in one query. An unreadable file answers no columns: its view's creation then fails
   * with DuckDB's own error, which names it.
   */
  private async fileColumns(files: string[]): Promise<Map<string, ReadonlySet<string>>> {
    const unknown = files.filter((f) => !this.columnsByFile.has(f));
    if (unknown.length > 0) {
      try {
        const reader = await this.connection.runAndReadAll(
          `SELECT file_name, list(name) AS names FROM parquet_schema([${unknown.map(sqlString).join(', ')}]) GROUP BY file_name`,
        );
        for (const row of reader.getRowObjectsJS()) this.columnsByFile.set(String(row.file_name), new Set(row.names as string[]));
      } catch {
        // Not cached: the view's creation reports the file.
      }
    }
    return new Map(files.map((f) => [f, this.columnsByFile.get(f) ?? new Set<string>()]));
  }
}

interface PartitionFiles {
  values: Record<string, string>;
  files: string[];
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

const firstLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!;

/** DuckDB's JS values, but a DECIMAL as its exact text ("1234567890123456.78"): the JS default is a double, which rounds past 15 digits. */
const exactValues: DuckDBValueConverter<JS> = (value, type, converter) =>
  type.typeId === DuckDBTypeId.DECIMAL && value !== null ? value.toString() : JSDuckDBValueConverter(value, type, converter);

/** DuckDB's JS values made plain: bigints as numbers (strings beyond 2^53), decimals as exact text, timestamps as Dates. */
function plainRow(row: Record<string, unknown>): QueryRow {
  const out: QueryRow = {};
  for (const [k, v] of Object.entries(row)) {
    if (typeof v === 'bigint') out[k] = Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
    else out[k] = v;
  }
  return out;
}
