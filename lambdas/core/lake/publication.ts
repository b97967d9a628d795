// Publication of a silver or gold partition, safe under concurrent writers: the one place that switches
// readers to a new version of a partition's files.
//
// A version is a folder of its own (`.../anomesdia=<day>/run=<runId>/v=<id>/`), written whole before it is
// published and never written again. Publishing is a compare-and-set on the partition's record in the
// partition versions table: it applies only if nobody published since the writer read the record, and
// only if the new version was built from at least as much of every input as the current one (bronze
// commits for silver, each origin's silver version for gold), so a slower writer that read older inputs
// can never replace a newer version. The catalog (Glue has no conditional UpdatePartition) is then made to
// point at whatever the record says, until a read after the write still says the same. Superseded
// versions stay readable for a grace period, for readers that started on them (a consolidation, an
// Athena query, a Glue job), and are deleted by a later publication; so are folders never published (a
// writer that crashed before publishing) once no execution can still be writing them.
import { randomBytes } from 'node:crypto';
import type { Catalog, CatalogTable } from '../../ports/catalog.js';
import type { LakeTable } from './layout.js';
import type { ObjectStore } from '../../ports/object-store.js';
import type { PartitionVersionRecord, PartitionVersionStore, SupersededVersion, VersionFile } from '../../ports/partition-versions.js';
import type { PipelineConfig } from '../config.js';
import { sha256Hex } from '../hashing.js';
import { PublicationContentionError } from './errors.js';

export interface PublicationDeps {
  catalog: Catalog;
  versions: PartitionVersionStore;
  store: ObjectStore;
  clock: () => Date;
  /** How long a superseded version's files stay after it stops being current. */
  graceMs: number;
}

/** A stage's publication deps: its catalog and version table, the bucket it writes, the config's grace period. */
export function publicationDeps(
  deps: { catalog: Catalog; versions: PartitionVersionStore; config: PipelineConfig },
  store: ObjectStore,
  clock: () => Date,
): PublicationDeps {
  return { catalog: deps.catalog, versions: deps.versions, store, clock, graceMs: deps.config.limits.supersededGraceMinutes * 60_000 };
}

export interface NewVersion {
  /** The partition's record key, see partitionKey(). */
  partition: string;
  /** The catalog table (physical database name) and the partition's values, e.g. `{ anomesdia: '20240119' }`. */
  database: string;
  table: string;
  values: Record<string, string>;
  /** The partition's folder; every version is a folder under it. */
  partitionPrefix: string;
  /** The new version's folder, written whole before publication. */
  versionPrefix: string;
  runId: string;
  inputs: Record<string, number>;
  files: VersionFile[];
  /** Files of the version outside its folder (its quarantine), kept and deleted with it. */
  extra?: string[];
  /** Where unpublished files like `extra` land, swept when never published: e.g. the partition's quarantine folder. */
  extraPrefix?: string;
}

export type PublicationOutcome =
  | { published: true; record: PartitionVersionRecord }
  /** A version built from more input was published meanwhile: this one was discarded, the current one stands. */
  | { published: false; current: PartitionVersionRecord };

const MAX_RACES = 20;

/**
 * How old a folder no version holds must be before it is swept: older than any writer can still be busy
 * with it (an execution lasts at most the state machine's 6 hours), so a writer that has written its
 * files but not yet published them never sees them swept, whatever the grace period.
 */
export const UNPUBLISHED_SWEEP_MS = 7 * 3_600_000;

/** The record key of a partition: `<layer>/<database>.<table>/<key>=<value>...`. */
/** Which partition a new version is of: its record key, its catalog table and its values. */
export function tablePartition(
  layer: 'silver' | 'gold',
  table: { database: string; name: string },
  values: Record<string, string>,
): Pick<NewVersion, 'partition' | 'database' | 'table' | 'values'> {
  return { partition: partitionKey(layer, table.database, table.name, values), database: table.database, table: table.name, values };
}

export function partitionKey(layer: 'silver' | 'gold', database: string, table: string, values: Record<string, string>): string {
  return `${layer}/${database}.${table}/${Object.entries(values)
    .map(([k, v]) => `${k}=${v}`)
    .join('/')}`;
}

/** A folder name for a new version: time-ordered, and unique even for two attempts of one run. */
export function newVersionId(clock: () => Date): string {
  return `${clock().getTime().toString(36)}${randomBytes(5).toString('hex')}`;
}

/** A file's entry in a version record, from the bytes written. */
export function versionFile(key: string, bytes: Uint8Array, rows: number): VersionFile {
  return { key, rows, bytes: bytes.byteLength, sha256: sha256Hex(bytes) };
}

/** Whether inputs `a` hold at least as much of every input as `b` (a missing counter counts 0). */
export function dominates(a: Record<string, number>, b: Record<string, number>): boolean {
  return Object.entries(b).every(([k, v]) => (a[k] ?? 0) >= v);
}

export async function publishPartition(deps: PublicationDeps, v: NewVersion): Promise<PublicationOutcome> {
  const { versions, store, clock } = deps;
  const location = folderUri(store, v.versionPrefix);
  const files = [...v.files].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (let race = 0; race < MAX_RACES; race++) {
    const current = await versions.get(v.partition);
    if (current?.prefix === v.versionPrefix) {
      // This version is already the published one (a retried Glue publication whose first call got that far):
      // publishing it again would list its own folder as superseded, and the collector would delete it.
      await syncCatalog(deps, v);
      return { published: true, record: current };
    }
    if (current && !dominates(v.inputs, current.inputs)) {
      // Never published, so nobody reads it: it goes at once.
      await deleteKeys(store, [...files.map((f) => f.key), ...(v.extra ?? [])]);
      return { published: false, current };
    }
    const now = clock().toISOString();
    const superseded: SupersededVersion[] = [...(current?.superseded ?? [])];
    if (current)
      superseded.push({
        version: current.version,
        prefix: current.prefix,
        ...(current.extra ? { extra: current.extra } : {}),
        superseded_at: now,
      });
    else {
      // A partition registered before versions were recorded: its old location goes like a superseded version.
      const old = await deps.catalog.getPartitionLocation(v.database, v.table, v.values).catch(() => undefined);
      const prefix = old === undefined ? undefined : locationIn(store, old);
      if (prefix) superseded.push({ version: 0, prefix: withSlash(prefix), superseded_at: now });
    }
    const record: PartitionVersionRecord = {
      partition: v.partition,
      version: (current?.version ?? 0) + 1,
      prefix: v.versionPrefix,
      location,
      run_id: v.runId,
      published_at: now,
      inputs: v.inputs,
      files,
      ...(v.extra?.length ? { extra: v.extra } : {}),
      rows: files.reduce((n, f) => n + f.rows, 0),
      checksum: sha256Hex(files.map((f) => f.sha256).join('\n')),
      superseded,
    };
    if (!(await versions.put(record, current?.version))) continue;
    await syncCatalog(deps, v);
    await collectGarbage(deps, v);
    return { published: true, record };
  }
  throw new PublicationContentionError(v.partition, MAX_RACES);
}

/**
 * Points the catalog partition at the location the record holds now, until a read after the write still
 * holds the same version: whatever the order of concurrent publishers' catalog writes, the last one to
 * read writes the newest location.
 */
async function syncCatalog(deps: PublicationDeps, v: NewVersion): Promise<void> {
  for (let race = 0; race < MAX_RACES; race++) {
    const record = await deps.versions.get(v.partition);
    if (!record) return;
    await deps.catalog.upsertPartition(v.database, v.table, v.values, record.location);
    if ((await deps.versions.get(v.partition))?.version === record.version) return;
  }
  throw new PublicationContentionError(v.partition, MAX_RACES);
}

/**
 * Deletes the superseded versions whose grace period is over, and forgets them; then every file under the
 * partition that no version (current or superseded) holds and that is older than the grace period: the
 * folders of writers that lost a race or crashed before publishing.
 */
async function collectGarbage(deps: PublicationDeps, v: NewVersion): Promise<void> {
  const { versions, store, clock, graceMs } = deps;
  const record = await versions.get(v.partition);
  if (!record) return;
  const cutoff = clock().getTime() - graceMs;
  const sweepCutoff = clock().getTime() - Math.max(graceMs, UNPUBLISHED_SWEEP_MS);
  const expired = record.superseded.filter((s) => Date.parse(s.superseded_at) <= cutoff);
  for (const s of expired) {
    const keys: string[] = [...(s.extra ?? [])];
    for await (const o of store.list(s.prefix)) keys.push(o.key);
    await deleteKeys(store, keys);
  }
  if (expired.length > 0) {
    const done = new Set(expired.map((s) => s.version));
    // Forgetting them is best effort: a publisher that got in first carries them on, and deleting twice is harmless.
    await versions.put({ ...record, superseded: record.superseded.filter((s) => !done.has(s.version)) }, record.version);
  }
  const held = [record.prefix, ...record.superseded.filter((s) => !expired.includes(s)).map((s) => s.prefix)];
  const heldExtra = new Set([...(record.extra ?? []), ...record.superseded.flatMap((s) => s.extra ?? [])]);
  const orphans: string[] = [];
  for await (const o of store.list(v.partitionPrefix)) {
    if (held.some((p) => o.key.startsWith(p))) continue;
    if (o.lastModified && o.lastModified.getTime() <= sweepCutoff) orphans.push(o.key);
  }
  if (v.extraPrefix) {
    for await (const o of store.list(v.extraPrefix)) {
      if (heldExtra.has(o.key)) continue;
      if (o.lastModified && o.lastModified.getTime() <= sweepCutoff) orphans.push(o.key);
    }
  }
  await deleteKeys(store, orphans);
}

async function deleteKeys(store: ObjectStore, keys: readonly string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 1000) await store.delete(keys.slice(i, i + 1000));
}

/** Removes every object under a prefix except those in `keep` (a failed attempt's leftovers in a folder it will write again). */
export async function clearFolder(store: ObjectStore, prefix: string, keep: ReadonlySet<string> = new Set()): Promise<void> {
  const stale: string[] = [];
  for await (const o of store.list(prefix)) if (!keep.has(o.key)) stale.push(o.key);
  await deleteKeys(store, stale);
}

/** A lake table as its catalog entry: its location the table's folder in `store`. */
export function lakeCatalogTable(table: LakeTable, store: ObjectStore): CatalogTable {
  return {
    database: table.database,
    name: table.name,
    location: folderUri(store, table.prefix),
    columns: table.columns,
    partitionKeys: table.partitionKeys,
  };
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
