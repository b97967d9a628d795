// The GlueConsolidationRunner port: prepares a Glue (Spark) run of a consolidation too big for a Lambda. The
// state machine starts the run (glue:startJobRun.sync) and waits for it; no Lambda is billed while it runs.

/** What the Glue job needs; written as JSON to S3 and passed as `--spec_uri` (see glue-scripts/consolidate_job.py). */
export interface GlueConsolidationSpec {
  version: 1;
  run_id: string;
  /** Spark SQL returning the consolidated rows (consolidationSql(..., 'spark')). */
  sql: string;
  /** Spark SQL returning one row `rows_read, rows_invalid` over the same inputs (consolidationCountsSql). */
  counts_sql: string;
  /** Spark SQL returning the null-key rows: the gold columns, `origem` and `reason` (quarantineSql). */
  quarantine_sql: string;
  /**
   * Folder (s3://...) that receives the quarantined rows as JSON lines, one `{origem, reason, row}` object a
   * line: the shape the Lambda engine writes too (docs/operations.md, "Gold quarantine").
   */
  quarantine_location: string;
  /** Target gold table (physical database name) and partition. */
  database: string;
  tabela_consolidada: string;
  anomesdia: string;
  /**
   * Folder (s3://bucket/prefix/) that receives the Parquet files and `_summary.json`
   * (`rows_read`, `rows_written`, `rows_invalid`); the caller switches the catalog to it.
   */
  output_location: string;
  /** Gold column names in order, `origem` last: the job writes exactly these. */
  columns: string[];
}

/** What the state machine starts the job with: the spec's URI, as the job's `--spec_uri` argument. */
export interface GlueRunRequest {
  spec_uri: string;
}

export interface GlueConsolidationRunner {
  /**
   * Writes the spec where the job reads it and returns what a run is started with. Writing the same spec
   * again (a retried step) starts nothing: only the state machine starts runs.
   */
  prepare(spec: GlueConsolidationSpec): Promise<GlueRunRequest>;
}
