// A tiny in-memory Catalog for tests: tables and partition locations in maps.
import type { Catalog, CatalogTable } from '../../lambdas/ports/catalog.js';
import { CatalogTableNotFoundError } from '../../lambdas/ports/errors.js';

export class MemoryCatalog implements Catalog {
  readonly tables = new Map<string, CatalogTable>();
  /** `${database}.${table}` -> canonical partition values -> location */
  readonly partitions = new Map<string, Map<string, string>>();

  private static id(database: string, table: string): string {
    return `${database}.${table}`;
  }

  private static values(values: Record<string, string>): string {
    return Object.keys(values)
      .sort()
      .map((k) => `${k}=${values[k]}`)
      .join('/');
  }

  async getTable(database: string, table: string): Promise<CatalogTable> {
    const found = this.tables.get(MemoryCatalog.id(database, table));
    if (!found) throw new CatalogTableNotFoundError(database, table);
    return found;
  }

  async ensureTable(table: CatalogTable): Promise<void> {
    const id = MemoryCatalog.id(table.database, table.name);
    if (!this.tables.has(id)) this.tables.set(id, table);
  }

  async getPartitionLocation(database: string, table: string, values: Record<string, string>): Promise<string | undefined> {
    return this.partitions.get(MemoryCatalog.id(database, table))?.get(MemoryCatalog.values(values));
  }

  async upsertPartition(database: string, table: string, values: Record<string, string>, location: string): Promise<void> {
    const id = MemoryCatalog.id(database, table);
    if (!this.tables.has(id)) throw new CatalogTableNotFoundError(database, table);
    let parts = this.partitions.get(id);
    if (!parts) this.partitions.set(id, (parts = new Map()));
    parts.set(MemoryCatalog.values(values), location);
  }
}
