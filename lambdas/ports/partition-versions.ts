// The PartitionVersionStore port: which version of a silver or gold partition is published, what it was
// built from, and what it holds. A conditional write (compare-and-set on `version`) is the lock the
// Glue catalog cannot give (UpdatePartition takes no condition); the DynamoDB adapter implements it.

/** One file of a partition version, as its writer wrote it: readers check what they read against it. */
export interface VersionFile {
  key: string;
  rows: number;
  bytes: number;
  sha256: string;
}

/** A version that was published once and superseded since; its files go after the grace period. */
export interface SupersededVersion {
  version: number;
  /** The version's folder (a key prefix in the partition's store). */
  prefix: string;
  /** Other files of the version outside its folder (its quarantine), deleted with it. */
  extra?: string[];
  superseded_at: string;
}

export interface PartitionVersionRecord {
  /** `<layer>/<database>.<table>/anomesdia=<day>` */
  partition: string;
  /** 1 for the first version published, one more for each after. */
  version: number;
  /** The version's folder, a key prefix in the partition's store, ending in `/`. */
  prefix: string;
  /** The same folder as a URI, where the catalog points. */
  location: string;
  run_id: string;
  published_at: string;
  /**
   * What the version was built from, as counters that only grow: for silver the bronze commits it read,
   * for gold each origin's silver version. A version built from less of every input never replaces one
   * built from more.
   */
  inputs: Record<string, number>;
  files: VersionFile[];
  /** Other files of the version outside its folder (its quarantine). */
  extra?: string[];
  rows: number;
  /** sha256 over the files' sha256 values, in key order. */
  checksum: string;
  superseded: SupersededVersion[];
}

export interface PartitionVersionStore {
  get(partition: string): Promise<PartitionVersionRecord | undefined>;
  /**
   * Writes `next` only when the stored record's version is still `expectedVersion` (undefined: no record
   * yet). False when another writer got there first: read again and decide again.
   */
  put(next: PartitionVersionRecord, expectedVersion: number | undefined): Promise<boolean>;
}
