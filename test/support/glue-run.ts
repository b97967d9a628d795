// A stand-in for one run of the consolidate Glue job (glue-scripts/consolidate_job.py): reads the spec the
// Lambda prepared and leaves what the job leaves when it succeeds, shaped as Spark writes it: part files
// (test/support/spark-parquet.ts), `_SUCCESS`, the job's `_summary.json` and the quarantine's JSON lines.
import { locationIn } from '../../lambdas/core/lake/publication.js';
import type { TableColumn } from '../../lambdas/core/columnar/types.js';
import type { GlueConsolidationSpec } from '../../lambdas/ports/glue-runner.js';
import type { ObjectStore } from '../../lambdas/ports/object-store.js';
import {
  sparkOutputFiles,
  writeSparkParquet,
  type SparkCell,
  type SparkColumn,
  type SparkOutputOptions,
  type SparkTimestampType,
} from './spark-parquet.js';

export interface SimulatedGlueRun {
  /** The gold columns, `origem` last, as the job selects them (spec.columns). */
  columns: TableColumn[];
  /** The consolidated rows of each part file, in file order. */
  parts: Record<string, SparkCell>[][];
  rows_read: number;
  /** The quarantine's lines as the job writes them ({origem, reason, row}). */
  quarantine?: Record<string, unknown>[];
  /** spark.sql.parquet.outputTimestampType [TIMESTAMP_MICROS, as the job sets it]. */
  timestamps?: SparkTimestampType;
  /** What else Spark leaves in the folder (checksum siblings of a local write, say). */
  output?: SparkOutputOptions;
  /** rows_written as `_summary.json` reports it [the rows of the parts]. */
  reportedRowsWritten?: number;
}

/** The key of an s3:// or file:// URI in a store; fails the test when it is not in the store. */
export function keyIn(store: ObjectStore, uri: string): string {
  const key = locationIn(store, uri);
  if (key === undefined) throw new Error(`${uri} is not in the store ${store.uri('')}`);
  return key;
}

export async function readSpec(store: ObjectStore, specUri: string): Promise<GlueConsolidationSpec> {
  return JSON.parse(new TextDecoder().decode(await store.get(keyIn(store, specUri)))) as GlueConsolidationSpec;
}

/** Spark's column types for the gold columns (the pipeline's type names are Spark's). */
export function sparkColumns(columns: TableColumn[]): SparkColumn[] {
  return columns.map((c) => ({
    name: c.name,
    type: c.type === 'json' ? 'string' : c.type,
    ...(c.type === 'decimal' ? { precision: c.precision, scale: c.scale } : {}),
  }));
}

/** Writes a succeeded run's output where the spec says; returns the keys written. */
export async function writeGlueRun(store: ObjectStore, spec: GlueConsolidationSpec, run: SimulatedGlueRun): Promise<string[]> {
  if (run.columns.map((c) => c.name).join() !== spec.columns.join())
    throw new Error(`the run's columns are not the spec's ${spec.columns.join()}`);
  const columns = sparkColumns(run.columns);
  const parts = run.parts.map((rows) =>
    writeSparkParquet(columns, rows, { timestamps: run.timestamps ?? 'TIMESTAMP_MICROS', rebaseMode: 'CORRECTED' }),
  );
  const output = keyIn(store, spec.output_location);
  const keys: string[] = [];
  for (const f of sparkOutputFiles(parts, { committer: 'file-output', ...run.output })) {
    await store.put(`${output}${f.name}`, f.bytes);
    keys.push(`${output}${f.name}`);
  }
  const rowsWritten = run.reportedRowsWritten ?? run.parts.reduce((n, p) => n + p.length, 0);
  const rowsInvalid = run.quarantine?.length ?? 0;
  // The job writes its summary last, after the data files are committed.
  await store.put(
    `${output}_summary.json`,
    JSON.stringify({ rows_read: run.rows_read, rows_written: rowsWritten, rows_invalid: rowsInvalid }),
  );
  keys.push(`${output}_summary.json`);
  if (rowsInvalid > 0) {
    const folder = keyIn(store, spec.quarantine_location);
    await store.put(`${folder}part-00000-${crypto.randomUUID()}-c000.json`, run.quarantine!.map((q) => `${JSON.stringify(q)}\n`).join(''));
    await store.put(`${folder}_SUCCESS`, new Uint8Array(0));
  }
  return keys;
}
