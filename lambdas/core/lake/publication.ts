// Publication of a silver or gold partition: the one place that switches readers to a new version of a
// partition's files. A version is a run folder under the partition's folder, written whole before it is
// published; publishing points the catalog partition at it and then removes the superseded versions.
import type { Catalog } from '../../ports/catalog.js';
import type { ObjectStore } from '../../ports/object-store.js';

export interface PartitionVersion {
  catalog: Catalog;
  store: ObjectStore;
  /** The catalog table (physical database name). */
  database: string;
  table: string;
  /** The partition's values, e.g. `{ anomesdia: '20240119' }`. */
  values: Record<string, string>;
  /** The partition's folder in the store; every version is a folder under it. */
  partitionPrefix: string;
  /** The new version's folder, written whole before publication. */
  versionPrefix: string;
  /** The version's files [every object under versionPrefix]: anything else under the folder (a failed attempt's leftovers) goes too. */
  versionFiles?: readonly string[];
  /** Other folders that hold the partition's files (its quarantine): what is not in `keep` goes with the superseded versions. */
  companions?: { prefix: string; keep: readonly string[] }[];
}

/** Points the catalog partition at the new version, then removes every other file of the partition; returns the version's location. */
export async function publishPartition(version: PartitionVersion): Promise<string> {
  const { catalog, store } = version;
  const location = folderUri(store, version.versionPrefix);
  const previous = await catalog.getPartitionLocation(version.database, version.table, version.values);
  await catalog.upsertPartition(version.database, version.table, version.values, location);
  // Only now that the catalog points at this version may the older ones go.
  const keep = new Set<string>(version.versionFiles ?? []);
  if (!version.versionFiles) for await (const o of store.list(version.versionPrefix)) keep.add(o.key);
  for (const c of version.companions ?? []) for (const k of c.keep) keep.add(k);
  await deleteAllBut(store, version.partitionPrefix, keep);
  for (const c of version.companions ?? []) await deleteAllBut(store, c.prefix, keep);
  // A partition an earlier layout registered outside the partition folder: its files go too.
  const old = previous === undefined ? undefined : locationIn(store, previous);
  if (old !== undefined && old !== '' && !old.startsWith(version.partitionPrefix) && old !== version.versionPrefix)
    await deleteAllBut(store, withSlash(old), keep);
  return location;
}

async function deleteAllBut(store: ObjectStore, prefix: string, keep: ReadonlySet<string>): Promise<void> {
  const stale: string[] = [];
  for await (const o of store.list(prefix)) if (!keep.has(o.key)) stale.push(o.key);
  for (let i = 0; i < stale.length; i += 1000) await store.delete(stale.slice(i, i + 1000));
}

/** Removes every object under a prefix except those in `keep` (a failed attempt's leftovers in a run folder). */
export async function clearFolder(store: ObjectStore, prefix: string, keep: ReadonlySet<string> = new Set()): Promise<void> {
  await deleteAllBut(store, prefix, keep);
}

/** A folder's URI, always ending in `/` (a file-system store drops it). */
export function folderUri(store: ObjectStore, prefix: string): string {
  return withSlash(store.uri(prefix));
}

/** The key of a location URI in a store when the location starts with the store's root URI. */
export function locationIn(store: ObjectStore, location: string): string | undefined {
  const root = withSlash(store.uri(''));
  if (location === root.slice(0, -1)) return '';
  return location.startsWith(root) ? location.slice(root.length) : undefined;
}

export function withSlash(prefix: string): string {
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
}
