// The time window a run processes, shared by Plan, Ingest, Refine and Consolidate.

export type RunMode = 'hourly' | 'daily' | 'backfill';

export interface RunWindow {
  mode: RunMode;
  /** Inclusive start, ISO-8601 instant (UTC). */
  from: string;
  /** Exclusive end, ISO-8601 instant (UTC). */
  to: string;
  /** The `anomesdia` partitions (yyyymmdd, business timezone) the window touches, ascending. */
  anomesdias: string[];
}
