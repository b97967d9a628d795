// The ingest stage's inputs, dependencies and results.
import type { BronzeCommit } from './bronze-writer.js';
import type { FetchFn } from './http-client.js';
import type { IngestProgress } from './progress.js';
import type { MetricsSink, ProcessingLogger, StageCounts } from '../processing-log.js';
import type { ObjectStore } from '../../ports/object-store.js';
import type { PipelineConfig } from '../config.js';
import type { RunWindow } from '../window.js';
import type { SecretProvider } from '../../ports/secrets.js';

export interface IngestDeps {
  config: PipelineConfig;
  bronze: ObjectStore;
  secrets: SecretProvider;
  /** [globalThis.fetch] */
  fetch?: FetchFn;
  /** [() => new Date()] */
  clock?: () => Date;
  progress?: IngestProgress;
  log?: ProcessingLogger;
  metrics?: MetricsSink;
  /** Tuning for tests and the benchmark; the defaults suit Lambda. */
  tuning?: { gzipLevel?: number; maxBufferedBytes?: number };
}

export interface IngestInput {
  runId: string;
  window: RunWindow;
  source: string;
}

export interface IngestResult extends StageCounts {
  runId: string;
  kind: 'http' | 'files';
  window: RunWindow;
  /** Records fetched or read (= rows_read). */
  records_seen: number;
  /** Records written to bronze, new to their partition (= rows_written). */
  records_new: number;
  /** Records bronze already held: a rerun of a window has only these. */
  records_duplicate: number;
  pages: number;
  /** Every partition the run saw records for, new or not, so that Refine can (re)build them. */
  anomesdias: string[];
  /** Counts per partition (the manifest also lists the parts). */
  partitions: { anomesdia: string; records_seen: number; records_new: number; records_duplicate: number }[];
  manifest: string;
  /** File drop: files moved to done/ and to error/. */
  files?: { done: string[]; error: string[] };
  /** What the source's watermark may advance to once the run completes: window.to for HTTP. */
  watermark_candidate: string;
}

export interface RunManifest {
  version: 1;
  source: string;
  kind: 'http' | 'files';
  runId: string;
  attempt: number;
  window: RunWindow;
  started_at: string;
  ended_at: string;
  duration_ms: number;
  pages: number;
  records_seen: number;
  records_new: number;
  records_duplicate: number;
  partitions: BronzeCommit['partitions'];
  files?: { name: string; records: number; moved_to: string }[];
  errors?: { name: string; reason: string; moved_to: string }[];
  /** Records whose watermark field is later than the run's clock; they never move the watermark past it. */
  future_records?: FutureRecords;
  watermark_candidate: string;
}

export interface FutureRecords {
  /** The run's clock when it started (ISO-8601). */
  after: string;
  count: number;
  /** The first of them: where (`<file> record <n>`, `page <n> record <m>`) and the time they claim. */
  listed: { at: string; value: string }[];
}
