// The local catalog: tables and partitions in one JSON file, rewritten atomically (temp file + rename).
// Locations inside the catalog's folder are kept relative to it, so that the data folder can be moved.
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Catalog, CatalogTable } from '../../ports/catalog.js';
import { CatalogTableNotFoundError } from '../../ports/errors.js';
import { writeFileAtomic } from './atomic-file.js';
import { LocalCatalogError } from './errors.js';

interface CatalogFile {
  tables: Record<string, { table: CatalogTable; partitions: Record<string, string> }>;
}

export interface CatalogPartition {
  values: Record<string, string>;
  location: string;
}

export class JsonCatalog implements Catalog {
  /** Serialises this process's read-modify-write cycles on the file. */
  private queue: Promise<unknown> = Promise.resolve();
  /**
   * Each stored location's URI and each URI's stored form, worked out once: every read and write maps every
   * location of the file, and a year's backfill spent a third of its time in those path-to-URL conversions.
   */
  private readonly converted = { absolute: new Map<string, string>(), relative: new Map<string, string>() };

  constructor(readonly filePath: string) {}

  async getTable(database: string, table: string): Promise<CatalogTable> {
    return this.entry(await this.load(), database, table).table;
  }

  async ensureTable(table: CatalogTable): Promise<void> {
    await this.update((file) => {
      file.tables[tableId(table.database, table.name)] ??= { table, partitions: {} };
    });
  }

  /**
   * Declares the table as given, keeping its registered partitions: the local catalog follows the config's
   * columns after a compatible schema change (localCatalog checks the change before).
   */
  async putTable(table: CatalogTable): Promise<void> {
    await this.update((file) => {
      const id = tableId(table.database, table.name);
      file.tables[id] = { table, partitions: file.tables[id]?.partitions ?? {} };
    });
  }

  async getPartitionLocation(database: string, table: string, values: Record<string, string>): Promise<string | undefined> {
    const entry = this.entry(await this.load(), database, table);
    return entry.partitions[partitionId(entry.table, values)];
  }

  async upsertPartition(database: string, table: string, values: Record<string, string>, location: string): Promise<void> {
    await this.update((file) => {
      const entry = this.entry(file, database, table);
      entry.partitions[partitionId(entry.table, values)] = location;
    });
  }

  /** Every table, for the local query engine. */
  async tables(): Promise<CatalogTable[]> {
    return Object.values((await this.load()).tables).map((t) => t.table);
  }

  /** Every registered partition of a table with its location. */
  async partitions(database: string, table: string): Promise<CatalogPartition[]> {
    const entry = this.entry(await this.load(), database, table);
    return Object.entries(entry.partitions)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([id, location]) => ({ values: Object.fromEntries(id.split('/').map((kv) => kv.split('=', 2) as [string, string])), location }));
  }

  private entry(file: CatalogFile, database: string, table: string): CatalogFile['tables'][string] {
    const entry = file.tables[tableId(database, table)];
    if (!entry) throw new CatalogTableNotFoundError(database, table);
    return entry;
  }

  /** The file with every location as a URI (relative ones resolved against the catalog's folder). */
  private async load(): Promise<CatalogFile> {
    try {
      return this.mapLocations(JSON.parse(await readFile(this.filePath, 'utf8')) as CatalogFile, (l) => this.memo('absolute', l));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { tables: {} };
      throw new LocalCatalogError(
        `Local catalog ${this.filePath} is unreadable (${(err as Error).message}); fix or delete the file to start an empty catalog`,
        { cause: err },
      );
    }
  }

  private update(change: (file: CatalogFile) => void): Promise<void> {
    const next = this.queue.then(async () => {
      const file = await this.load();
      const before = JSON.stringify(file);
      change(file);
      // Unchanged (a table already declared): no write, so that a reader such as `npm run query` never
      // writes back an older file over the partitions a run registers meanwhile.
      if (JSON.stringify(file) === before) return;
      await mkdir(dirname(this.filePath), { recursive: true });
      const stored = this.mapLocations(file, (l) => this.memo('relative', l));
      await writeFileAtomic(this.filePath, `${JSON.stringify(stored, null, 2)}\n`);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private mapLocations(file: CatalogFile, map: (location: string) => string): CatalogFile {
    for (const entry of Object.values(file.tables)) {
      entry.table.location = map(entry.table.location);
      for (const [id, location] of Object.entries(entry.partitions)) entry.partitions[id] = map(location);
    }
    return file;
  }

  /** `relative` or `absolute` of a location, from the memo when seen before (a pure function of the location and the file's path). */
  private memo(kind: 'relative' | 'absolute', location: string): string {
    const seen = this.converted[kind];
    let mapped = seen.get(location);
    if (mapped === undefined) {
      // Bounded: a long-lived process (npm run query's REPL) keeps no more than a big catalog's locations.
      if (seen.size >= 100_000) seen.clear();
      mapped = kind === 'relative' ? this.relative(location) : this.absolute(location);
      seen.set(location, mapped);
    }
    return mapped;
  }

  /** `./lake/gold/...` for a file:// location inside the catalog's folder; any other location as it is. */
  private relative(location: string): string {
    if (!location.startsWith('file:')) return location;
    const path = relative(dirname(this.filePath), fileURLToPath(location));
    if (path.startsWith('..') || isAbsolute(path)) return location;
    const slash = location.endsWith('/') && path !== '' ? '/' : '';
    return `./${path.split(sep).join('/')}${slash}`;
  }

  /** The URI of a stored location: a relative one is resolved against the catalog's folder; older catalogs hold file:// URIs. */
  private absolute(location: string): string {
    if (!location.startsWith('./')) return location;
    const href = pathToFileURL(join(dirname(this.filePath), ...location.slice(2).split('/'))).href;
    return location.endsWith('/') && !href.endsWith('/') ? `${href}/` : href;
  }
}

function tableId(database: string, table: string): string {
  return `${database}.${table}`;
}

/** `anomesdia=20240119` (Hive style, in the table's partition key order); every key needs a value. */
function partitionId(table: CatalogTable, values: Record<string, string>): string {
  return table.partitionKeys
    .map((k) => {
      const v = values[k];
      if (v === undefined)
        throw new LocalCatalogError(
          `Partition of ${table.database}.${table.name} needs a value for "${k}" (got ${JSON.stringify(values)})`,
        );
      return `${k}=${v}`;
    })
    .join('/');
}
