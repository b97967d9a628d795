// One partition's expectations checked before it is published, for refine (silver) and consolidate (gold):
// evaluated, logged and counted, recorded as rows of `<silverDatabase>.quality_results`, and a failed `fail`
// expectation thrown. What a drop takes out is the caller's to quarantine: each layer keeps its own form.
import { PARTITION_COLUMN, type PipelineConfig } from '../config.js';
import type { FlatColumnData } from '../columnar/types.js';
import { writeColumns } from '../columnar/writer.js';
import { qualityResultsTable, silverLayout } from '../lake/layout.js';
import { lakeCatalogTable, newVersionId } from '../lake/publication.js';
import { addDays } from '../plan.js';
import { logExpectations, type MetricsSink, type ProcessingLogger } from '../processing-log.js';
import type { Catalog } from '../../ports/catalog.js';
import type { ObjectStore } from '../../ports/object-store.js';
import type { PartitionVersionStore } from '../../ports/partition-versions.js';
import { ExpectationFailedError, type CheckedTable } from './errors.js';
import type { PartitionQuality, PartitionRows, TableExpectations } from './expectations.js';

export interface QualityDeps {
  config: PipelineConfig;
  /** The silver store, where quality_results lives. */
  silver: ObjectStore;
  catalog: Catalog;
  versions: PartitionVersionStore;
  clock?: () => Date;
  log?: ProcessingLogger;
  metrics?: MetricsSink;
}

export interface CheckedPartition {
  table: CheckedTable;
  step: 'refine' | 'consolidate';
  runId: string;
  anomesdia: string;
  /** The partition-versions key of the same table's previous day, read only for a row_count previous_day_pct rule. */
  previousDayPartition: (anomesdia: string) => string;
  /** Names the partition's quality_results file [a new version id]: a retried publication passes the same one and replaces it. */
  resultsId?: string;
}

/**
 * The table's expectations on the partition's rows (`order`, the rows about to be published): results logged,
 * counted and written to quality_results whatever they say (a failed check is what one looks for there), then
 * an ExpectationFailedError when a fail expectation did not hold. Returns them, with the rows to drop.
 */
export async function checkPartition(
  deps: QualityDeps,
  expectations: TableExpectations,
  partition: CheckedPartition,
  rows: PartitionRows,
  order: Uint32Array,
): Promise<PartitionQuality> {
  const now = (deps.clock ?? (() => new Date()))();
  // The previous day's row count is its published version's, one read of the partition versions table.
  const previousDayRows = expectations.needsPreviousDay
    ? (await deps.versions.get(partition.previousDayPartition(previousDay(partition.anomesdia))))?.rows
    : undefined;
  const quality = expectations.evaluate(rows, order, { now, previousDayRows });
  const { table, anomesdia } = partition;
  logExpectations(deps.log, deps.metrics, partition.step, table.name, anomesdia, quality.results);
  await writeQualityResults(deps, partition, now, quality);
  if (quality.failed.length > 0) throw new ExpectationFailedError(table, anomesdia, quality.failed);
  return quality;
}

/** The partition's results as rows of `<silverDatabase>.quality_results`: one new Parquet file in the day's partition. */
async function writeQualityResults(deps: QualityDeps, partition: CheckedPartition, now: Date, quality: PartitionQuality): Promise<void> {
  const table = qualityResultsTable(deps.config)!;
  const { results } = quality;
  const { anomesdia, runId } = partition;
  const n = results.length;
  const data: Record<string, FlatColumnData> = {
    source: results.map(() => partition.table.name),
    expectation: results.map((r) => r.expectation),
    rule: results.map((r) => r.rule),
    action: results.map((r) => r.action),
    rows_checked: results.map((r) => BigInt(r.rows_checked)),
    rows_failed: results.map((r) => BigInt(r.rows_failed)),
    run_id: results.map(() => runId),
    // Epoch microseconds, as every timestamp column.
    checked_at: { numbers: new Float64Array(n).fill(now.getTime() * 1000), present: new Uint8Array(n).fill(1) },
    layer: results.map(() => partition.table.layer),
  };
  const key = silverLayout.qualityResults(anomesdia, partition.table.name, runId, partition.resultsId ?? newVersionId(() => now));
  await deps.silver.put(key, writeColumns({ columns: table.columns, data, rowCount: n }), {
    contentType: 'application/vnd.apache.parquet',
  });
  // Declared by the data-lake stack; recreated, as a gold table is, when it went missing from the catalog.
  await deps.catalog.ensureTable(lakeCatalogTable(table, deps.silver));
  await deps.catalog.upsertPartition(
    table.database,
    table.name,
    { [PARTITION_COLUMN]: anomesdia },
    deps.silver.uri(silverLayout.qualityResultsPartitionPrefix(anomesdia)),
  );
}

/** The day before a yyyymmdd day, as yyyymmdd. */
function previousDay(anomesdia: string): string {
  return addDays(`${anomesdia.slice(0, 4)}-${anomesdia.slice(4, 6)}-${anomesdia.slice(6, 8)}`, -1).replace(/-/g, '');
}
