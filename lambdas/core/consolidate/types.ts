// The consolidation stage's inputs, dependencies and results.
import type { Catalog } from '../../ports/catalog.js';
import type { PartitionVersionStore } from '../../ports/partition-versions.js';
import type { CongregadoStore } from '../../ports/state-stores.js';
import type { GlueConsolidationRunner, GlueRunRequest } from '../../ports/glue-runner.js';
import type { MetricsSink, ProcessingLogger } from '../processing-log.js';
import type { ObjectStore } from '../../ports/object-store.js';
import type { PipelineConfig } from '../config.js';
import type { QualitySummary } from '../quality/expectations.js';

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
  /**
   * 'consolidate' [default]: consolidate in this Lambda, or hand the partition to Glue (a GlueHandoff);
   * 'glue-output': the Glue run the handoff asked for succeeded, read its output back and publish it.
   */
  phase?: 'consolidate' | 'glue-output';
  /** The execution this call belongs to: a Glue run's handoff and its publication name the same version folder. */
  attempt?: string;
  /** With phase 'glue-output': what the handoff read, the silver versions the run was asked to consolidate. */
  handoff?: Pick<GlueHandoff, 'inputs' | 'expected_rows'>;
}

/** A partition handed to Glue: the state machine starts the run with `glue`, waits, then asks for phase 'glue-output'. */
export interface GlueHandoff {
  anomesdia: string;
  engine: 'glue';
  glue: GlueRunRequest;
  /** Each origin's silver version when the partition was handed over, and the rows they hold. */
  inputs: Record<string, number>;
  expected_rows?: number;
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
  /** The consolidation's expectations on the partition, when it declares any (bounded, as a refine's). */
  quality?: QualitySummary;
}

export interface StoreLocation {
  store: ObjectStore;
  /** Key prefix in the store. */
  key: string;
}
