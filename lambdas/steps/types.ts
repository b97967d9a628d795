// What the steps hand each other through the state machine: small summaries (Step Functions carries at
// most 256 KB of state), and the invocation context a step may read.
import type { RunWindow } from '../core/window.js';

/** A source step's summary (Ingest or Refine). */
export interface SourceStepSummary {
  source: string;
  rows_read: number;
  rows_written: number;
  rows_invalid?: number;
  /** The `anomesdia` partitions the step wrote. */
  anomesdias?: string[];
  /** Ingest: the watermark this source may advance to once the whole run completes. */
  watermark_candidate?: string;
  /** The first objects written (at most MAX_OBJECTS_LISTED); `objects_total` counts them all. */
  objects?: string[];
  objects_total?: number;
  duration_ms?: number;
  message?: string;
}

/** One consolidated gold partition. */
export interface PartitionSummary {
  anomesdia: string;
  rows_read: number;
  rows_written: number;
  congregado_version?: number;
  location?: string;
}

export interface ConsolidationStepSummary {
  consolidation: string;
  partitions: PartitionSummary[];
  rows_read: number;
  rows_written: number;
}

/** A source step's request, as the state machine's Map item sends it. */
export interface SourceRequest {
  runId: string;
  source: string;
  window: RunWindow;
}

/** What one gold partition's consolidation is asked to do. */
export interface PartitionRequest {
  runId: string;
  database: string;
  tabela: string;
  anomesdia: string;
  window: RunWindow;
  /** The Step Functions execution: a retry of the step resumes the Glue run this execution started. */
  attempt?: string;
  /** Milliseconds left in this invocation, when a Lambda runs the step. */
  remainingTimeMs?: () => number;
}

/** The part of the invocation a step reads: Lambda's context, or nothing when the local runner calls it. */
export interface StepContext {
  /** Milliseconds before the invocation times out. */
  getRemainingTimeInMillis(): number;
}
