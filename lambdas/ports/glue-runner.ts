// The GlueConsolidationRunner port: runs a consolidation too big for a Lambda as a Glue (Spark) job.

/** What the Glue job needs; written as JSON to S3 and passed as `--spec_uri` (see glue-scripts/consolidate_job.py). */
export interface GlueConsolidationSpec {
  version: 1;
  run_id: string;
  /** Spark SQL returning the consolidated rows (consolidationSql(..., 'spark')). */
  sql: string;
  /** Spark SQL returning one row `rows_read, rows_invalid` over the same inputs (consolidationCountsSql). */
  counts_sql: string;
  /** Spark SQL returning the null-key rows with `origem` and `reason` (quarantineSql). */
  quarantine_sql: string;
  /** Folder (s3://...) that receives the quarantined rows as JSON lines. */
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

export interface GlueConsolidationRun {
  jobRunId: string;
  /** Seconds the job ran, as Glue reports it. */
  executionTimeSeconds?: number;
}

export interface GlueRunOptions {
  /**
   * What this attempt belongs to (the Step Functions execution): a call with the same spec and attempt
   * resumes the run an earlier call started instead of starting another.
   */
  attempt?: string;
  /** How long this call may wait for the run before it hands back with GlueJobStillRunningError [the runner's default]. */
  waitMs?: number;
}

export interface GlueConsolidationRunner {
  /**
   * Starts the job (or resumes waiting on the run an earlier call of the same attempt started) and waits
   * for it. Throws GlueJobFailedError when it ends in any state but SUCCEEDED, and
   * GlueJobStillRunningError when it is still running after the wait the runner allows: call again later.
   */
  run(spec: GlueConsolidationSpec, options?: GlueRunOptions): Promise<GlueConsolidationRun>;
}
