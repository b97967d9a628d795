// The refine stage's inputs, dependencies and results.
import type { FieldIssue } from './coerce.js';
import type { SchemaDrift } from './drift.js';
import type { ExpectationResult } from '../quality/expectations.js';
import type { QualityDeps } from '../quality/results.js';
import type { StageCounts } from '../processing-log.js';
import type { ObjectStore } from '../../ports/object-store.js';
import type { RunWindow } from '../window.js';

/** The silver store, the catalog and the partition versions (which silver partition is published), as quality checks need them too. */
export interface RefineDeps extends QualityDeps {
  bronze: ObjectStore;
  /** Rows per Parquet object [500,000]; a partition with more is written as several parts. */
  rowsPerFile?: number;
}

export interface RefineInput {
  runId: string;
  source: string;
  window: RunWindow;
  /** The partitions to rebuild: those the ingest step saw records for. */
  anomesdias: string[];
}

export interface RefinePartitionResult {
  anomesdia: string;
  rows_read: number;
  rows_written: number;
  rows_invalid: number;
  /** Valid rows equal in every declared field to a row kept. */
  rows_duplicate: number;
  /** The location the catalog partition now points at. */
  location: string;
  objects: string[];
  quarantine?: string;
  /** `<bronze> bronze = <silver> silver + <duplicates> duplicates + <quarantined> quarantined`: the partition's books. */
  books: string;
  /** The run whose version stands instead: it was built from more bronze, and this one was not published. */
  superseded_by?: string;
  /** Records that drifted from the declared fields, per field; absent when none did. */
  drift?: SchemaDrift;
  /** The source's expectations on this partition (absent when it declares none). */
  expectations?: ExpectationResult[];
}

export interface RefineResult extends StageCounts {
  runId: string;
  rows_duplicate: number;
  /** Partitions rebuilt (those with committed bronze records), ascending. */
  anomesdias: string[];
  partitions: RefinePartitionResult[];
  /** Quarantine objects written by this run. */
  quarantine?: string[];
}

/** One quarantined row: where it came from in bronze, what is wrong with it, and the raw record. */
export interface QuarantineEntry {
  source: string;
  anomesdia: string;
  run_id: string;
  bronze_object: string;
  /** 1-based line in the bronze part. */
  line: number;
  /** The first field that is wrong and why; `errors` lists them all. */
  field: string;
  reason: string;
  errors: FieldIssue[];
  _content_hash?: string;
  record: unknown;
}
