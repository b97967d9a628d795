// What the steps hand each other through the state machine: small summaries (Step Functions carries at
// most 256 KB of state), and the invocation context a step may read.
import type { RunWindow } from '../core/window.js';
import type { StateTableSummary } from '../core/gold/gold-state.js';
import type { ConsolidateTableRequest } from '../core/consolidate/types.js';
import type { SchemaDrift } from '../core/refine/drift.js';
import type { QualitySummary } from '../core/quality/expectations.js';

/** A source step's summary (Ingest or Refine). */
export interface SourceStepSummary {
  source: string;
  rows_read: number;
  rows_written: number;
  rows_invalid?: number;
  /** Refine: records that drifted from the declared fields, per field (bounded). */
  drift?: SchemaDrift;
  /** Refine: the source's data-quality expectations, those that failed named (bounded). */
  quality?: QualitySummary;
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

/** One consolidated gold partition: what each partition leaves in its Map's result (so, small). */
export interface PartitionSummary {
  anomesdia: string;
  rows_read: number;
  rows_written: number;
  rows_invalid?: number;
  engine?: 'lambda' | 'glue';
  congregado_version?: number;
  /** The consolidation's expectations on the partition: recorded in its journey step, never travelling on. */
  quality?: QualitySummary;
}

/** A gold partition handed to Glue: the state machine starts the run with `glue.spec_uri` and waits for it. */
export interface PartitionHandoff {
  anomesdia: string;
  glue: { spec_uri: string };
  /** Each origin's silver version the run reads; "Publish Glue output" gets them back to publish against. */
  inputs: Record<string, number>;
  expected_rows?: number;
}

export type PartitionOutcome = PartitionSummary | PartitionHandoff;

/** One consolidation's partitions, counted: the per-partition summaries stay behind in its Map. */
export interface ConsolidationStepSummary {
  consolidation: string;
  partitions: number;
  /** Of them, consolidated by a Glue run. */
  on_glue: number;
  rows_read: number;
  rows_written: number;
  rows_invalid: number;
  /** The first and last partition consolidated, when there was one. */
  first_anomesdia?: string;
  last_anomesdia?: string;
  /** The gold tables kept from the partitions: current state, history, aggregates. */
  gold_tables?: GoldTablesSummary;
}

/** What "Gold tables" did for one consolidation: each state table's rows, each aggregate's partitions. */
export interface GoldTablesSummary {
  tables: StateTableSummary[];
  aggregates?: { table: string; partitions: number; rows_written: number }[];
}

/** A source step's request, as the state machine's Map item sends it. */
export interface SourceRequest {
  runId: string;
  source: string;
  window: RunWindow;
}

/** What one gold partition's consolidation is asked to do: the core's request, as the state machine sends it. */
export type PartitionRequest = ConsolidateTableRequest;

/** The part of the invocation a step reads: Lambda's context, or nothing when the local runner calls it. */
export interface StepContext {
  /** Milliseconds before the invocation times out. */
  getRemainingTimeInMillis(): number;
}
