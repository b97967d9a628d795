// The steps' runtime: what every step needs, composed once from adapters. The Lambdas (handlers/aws-runtime.ts)
// and the local runner (local/runtime.ts) pass their own stores and clients, and both run the same core.
import { keepsGoldTables, type ConsolidationConfig, type PipelineConfig } from '../core/config.js';
import { refreshGoldState } from '../core/gold/gold-state.js';
import type { GoldStateEngine, RunSql } from '../ports/gold-state.js';
import { refreshAggregates, type AggregateRefresh } from '../core/gold/refresh-aggregates.js';
import { GoldStateUnavailableError } from './errors.js';
import { consolidateTable } from '../core/consolidate/consolidate-table.js';
import type { FetchFn } from '../core/ingest/http-client.js';
import { ingestSource } from '../core/ingest/ingest-source.js';
import type { IngestProgress } from '../core/ingest/progress.js';
import { JourneyController, type JourneyControllerOptions } from '../core/journey/controller.js';
import type { MetricsSink, ProcessingLogger } from '../core/processing-log.js';
import { refineSource } from '../core/refine/refine-source.js';
import type { Catalog } from '../ports/catalog.js';
import type { GlueConsolidationRunner } from '../ports/glue-runner.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { PartitionVersionStore } from '../ports/partition-versions.js';
import type { SecretProvider } from '../ports/secrets.js';
import type { CongregadoStore, JourneyPort, JourneyStore, WatermarkStore } from '../ports/state-stores.js';
import type { GoldTablesSummary, PartitionOutcome, PartitionRequest, SourceRequest, SourceStepSummary } from './types.js';

/** Everything the steps use; built once per container (handlers/aws-runtime.ts) or once per local run (local/). */
export interface PipelineRuntime {
  config: PipelineConfig;
  journeys: JourneyPort;
  watermarks: WatermarkStore;
  ingest(request: SourceRequest): Promise<SourceStepSummary>;
  refine(request: SourceRequest & { ingest: SourceStepSummary }): Promise<SourceStepSummary>;
  /** Consolidates a partition, or hands it to Glue; with phase 'glue-output', publishes the Glue run's output. */
  consolidatePartition(request: PartitionRequest): Promise<PartitionOutcome>;
  /** Keeps a consolidation's current state, history and aggregates from its partitions of `anomesdias`. */
  refreshGoldTables(request: {
    runId: string;
    consolidation: ConsolidationConfig;
    anomesdias: readonly string[];
  }): Promise<GoldTablesSummary>;
  /** The instant runs are planned at. */
  now(): Date;
}

export interface RuntimeParts {
  config: PipelineConfig;
  lake: { bronze: ObjectStore; silver: ObjectStore; gold: ObjectStore };
  catalog: Catalog;
  secrets: SecretProvider;
  journeys: JourneyPort;
  watermarks: WatermarkStore;
  congregados: CongregadoStore;
  versions: PartitionVersionStore;
  /** Prepares Glue runs of consolidations too big for one Lambda; absent locally, where every partition runs in-process. */
  glue?: GlueConsolidationRunner;
  /** Runs the gold state tables' SQL (Athena in AWS, DuckDB locally); needed by consolidations with currentState or history. */
  goldState?: GoldStateEngine;
  /** Resolves an `output_path` outside the lake (another bucket) to a store and key. */
  resolveOutput?: (uri: string) => { store: ObjectStore; key: string } | undefined;
  fetch?: FetchFn;
  progress?: IngestProgress;
  log?: ProcessingLogger;
  metrics?: MetricsSink;
  now: () => Date;
}

/**
 * Journey control with the config's lease and retention; results too big for the journey item go to `results`
 * under `_journeys/`; `options` adds what a runtime knows of its owners (the local ownerGone).
 */
export function journeyController(
  store: JourneyStore,
  config: PipelineConfig,
  results?: ObjectStore,
  options: JourneyControllerOptions = {},
): JourneyController {
  return new JourneyController(store, {
    leaseMs: config.limits.journeyLeaseSeconds * 1000,
    ttlDays: config.limits.journeyTtlDays,
    ...(results ? { results: { store: results, prefix: JOURNEY_RESULTS_PREFIX } } : {}),
    ...options,
  });
}

/** Where (in the gold bucket) a run's result goes when it is too big for its journey item. */
export const JOURNEY_RESULTS_PREFIX = '_journeys/';

/**
 * The congregado item's budget: the record's fields plus the inline sample stay under
 * `congregadoSampleMaxBytes` more than the fields alone need; the whole sample always goes to S3 when cut.
 */
export function congregadoItemBudget(config: PipelineConfig): number {
  return Math.min(380_000, config.limits.congregadoSampleMaxBytes + 20_000);
}

/** Per aggregate table: the partitions refreshed and the rows they hold (what travels on). */
function aggregateTotals(days: readonly AggregateRefresh[]): NonNullable<GoldTablesSummary['aggregates']> {
  const totals = new Map<string, { table: string; partitions: number; rows_written: number }>();
  for (const d of days) {
    const t = totals.get(d.table) ?? { table: d.table, partitions: 0, rows_written: 0 };
    t.partitions += 1;
    t.rows_written += d.rows_written;
    totals.set(d.table, t);
  }
  return [...totals.values()];
}

export function composeRuntime(parts: RuntimeParts): PipelineRuntime {
  const { config, lake, catalog } = parts;
  const clock = () => new Date();
  const observers = { log: parts.log, metrics: parts.metrics };
  return {
    config,
    journeys: parts.journeys,
    watermarks: parts.watermarks,
    now: parts.now,
    async ingest({ runId, source, window }) {
      const r = await ingestSource(
        { config, bronze: lake.bronze, secrets: parts.secrets, fetch: parts.fetch, clock, progress: parts.progress, ...observers },
        { runId, source, window },
      );
      return {
        source,
        rows_read: r.records_seen,
        rows_written: r.records_new,
        anomesdias: r.anomesdias,
        watermark_candidate: r.watermark_candidate,
        objects: [lake.bronze.uri(r.manifest), ...(r.files?.error ?? []).map((k) => lake.bronze.uri(k))],
        duration_ms: r.duration_ms,
        message: `${r.pages} page(s), ${r.records_duplicate} record(s) already in bronze${r.files?.error.length ? `, ${r.files.error.length} unreadable file(s) moved to error/` : ''}`,
      };
    },
    async refine({ runId, source, window, ingest }) {
      const r = await refineSource(
        { config, bronze: lake.bronze, silver: lake.silver, catalog, versions: parts.versions, clock, ...observers },
        { runId, source, window, anomesdias: ingest.anomesdias ?? [] },
      );
      return {
        source,
        rows_read: r.rows_read,
        rows_written: r.rows_written,
        rows_invalid: r.rows_invalid,
        ...(r.drift ? { drift: r.drift } : {}),
        ...(r.quality ? { quality: r.quality } : {}),
        anomesdias: r.anomesdias,
        objects: r.objects.map((key) => lake.silver.uri(key)),
        duration_ms: r.duration_ms,
        message: r.rows_invalid > 0 ? `${r.rows_invalid} invalid row(s) quarantined` : undefined,
      };
    },
    async refreshGoldTables({ runId, consolidation, anomesdias }) {
      if (!keepsGoldTables(consolidation)) return { tables: [] };
      const engine = parts.goldState;
      if (!engine) throw new GoldStateUnavailableError(`${consolidation.database}.${consolidation.tabela_consolidada}`);
      // The aggregates run in the same session, after the MERGEs: one set of statements per consolidation and run.
      const aggregates =
        consolidation.aggregates.length > 0
          ? (sql: RunSql) =>
              refreshAggregates(
                { config, gold: lake.gold, catalog, versions: parts.versions, clock, query: sql, dialect: engine.dialect, ...observers },
                { runId, database: consolidation.database, tabela: consolidation.tabela_consolidada, anomesdias: [...anomesdias] },
              )
          : undefined;
      const { tables, extra } = await refreshGoldState(
        { config, engine, goldUri: (key) => lake.gold.uri(key) },
        { consolidation, anomesdias },
        aggregates,
      );
      return { tables, ...(extra ? { aggregates: aggregateTotals(extra) } : {}) };
    },
    consolidatePartition(request) {
      return consolidateTable(
        {
          config,
          silver: lake.silver,
          gold: lake.gold,
          catalog,
          versions: parts.versions,
          congregados: parts.congregados,
          clock,
          glue: parts.glue,
          resolveOutput: parts.resolveOutput,
          ...observers,
        },
        request,
      );
    },
  };
}
