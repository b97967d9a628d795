// The consolidation stage's inputs, dependencies and results.
import type { Catalog } from '../../ports/catalog.js';
import type { PartitionVersionStore } from '../../ports/partition-versions.js';
import type { CongregadoStore } from '../../ports/state-stores.js';
import type { GlueConsolidationRunner } from '../../ports/glue-runner.js';
import type { MetricsSink, ProcessingLogger } from '../processing-log.js';
import type { ObjectStore } from '../../ports/object-store.js';
import type { PipelineConfig } from '../config.js';

export interface ConsolidateTableDeps {
  config: PipelineConfig;
  silver: ObjectStore;
  gold: ObjectStore;
  catalog: Catalog;
  /** Which version of each silver and gold partition is published. */
  versions: PartitionVersionStore;
  congregados: CongregadoStore;
  clock?: () => Date;
  glue?: GlueConsolidationRunner;
  /** Resolves an `output_path` outside the silver and gold stores (e.g. another bucket). */
  resolveOutput?: (uri: string) => StoreLocation | undefined;
  log?: ProcessingLogger;
  metrics?: MetricsSink;
}

export interface ConsolidateTableRequest {
  runId: string;
  database: string;
  tabela: string;
  anomesdia: string;
  /** The attempt (execution) this call belongs to: a retry of it resumes the Glue run it started. */
  attempt?: string;
  /** Milliseconds left in this invocation, when a Lambda runs it: bounds the wait on a Glue run. */
  remainingTimeMs?: () => number;
}

export interface ConsolidateTableResult {
  anomesdia: string;
  rows_read: number;
  rows_written: number;
  rows_invalid: number;
  congregado_version?: number;
  /** URI of the folder holding the partition's files. */
  location?: string;
  engine: 'lambda' | 'glue';
  /** `<silver> silver = <gold> gold + <outranked> outranked + <null keys> null keys`: the partition's books. */
  books: string;
  /** The run whose version stands instead: it was built from newer silver, and this one was not published. */
  superseded_by?: string;
}

export interface StoreLocation {
  store: ObjectStore;
  /** Key prefix in the store. */
  key: string;
}
