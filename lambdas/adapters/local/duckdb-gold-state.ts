// The GoldStateEngine port locally: no engine here writes Iceberg, so each state table is a DuckDB table for the
// length of a session, loaded from its published Parquet and published back as a new version (a folder of its
// own, then the catalog's one partition switched to it), which `npm run query` reads by the same name.
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { GoldStateEngine, RunSql, StateTable } from '../../ports/gold-state.js';
import { DuckDbQueryEngine } from './duckdb-query-engine.js';
import type { JsonCatalog } from './json-catalog.js';

/**
 * One session at a time per lake in this process, whichever runtime opened it: two overlapping executions would
 * each load, change and publish a table, and the later publication would drop the other's changes. (Another
 * process cannot write the lake meanwhile: local runs hold the data folder's lock.)
 */
const sessions = new Map<string, Promise<unknown>>();

export class DuckDbGoldStateEngine implements GoldStateEngine {
  readonly dialect = 'duckdb' as const;

  constructor(
    private readonly options: {
      catalog: JsonCatalog;
      /** A location (URI) as a local folder path. */
      resolve: (location: string) => string;
      clock?: () => Date;
    },
  ) {}

  withTables<T>(tables: readonly StateTable[], work: (sql: RunSql) => Promise<T>): Promise<T> {
    const key = this.options.catalog.filePath;
    const next = (sessions.get(key) ?? Promise.resolve()).then(() => this.session(tables, work));
    sessions.set(
      key,
      next.catch(() => undefined),
    );
    return next;
  }

  private async session<T>(tables: readonly StateTable[], work: (sql: RunSql) => Promise<T>): Promise<T> {
    const { catalog, resolve } = this.options;
    const engine = await DuckDbQueryEngine.open({ catalog, resolve });
    try {
      for (const t of tables) await engine.holdTable(t.database, t.table);
      const result = await work((sql) => engine.query(sql));
      for (const t of tables) await this.publish(engine, t);
      return result;
    } finally {
      engine.close();
    }
  }

  /** Writes the table as a new version folder, points the catalog at it, then removes the version it replaced. */
  private async publish(engine: DuckDbQueryEngine, t: StateTable): Promise<void> {
    const { catalog, resolve } = this.options;
    const now = (this.options.clock ?? (() => new Date()))();
    const location = `${t.location.endsWith('/') ? t.location : `${t.location}/`}v=${now.getTime()}-${randomBytes(4).toString('hex')}/`;
    const folder = resolve(location);
    await mkdir(folder, { recursive: true });
    if (!(await engine.exportTable(t.database, t.table, join(folder, 'part-00000.parquet')))) {
      await rm(folder, { recursive: true, force: true });
      return;
    }
    await catalog.putTable({ database: t.database, name: t.table, location: t.location, columns: t.columns, partitionKeys: [] });
    const previous = await catalog.getPartitionLocation(t.database, t.table, {});
    await catalog.upsertPartition(t.database, t.table, {}, location);
    if (previous && previous !== location) await rm(resolve(previous), { recursive: true, force: true });
  }
}
