// Refreshes a consolidation's daily aggregates: for each aggregate, one SQL over the request's published gold
// partitions (Athena in AWS, DuckDB locally), then each day's rows written as one Parquet file and published as
// a new version of that day's partition.
import { PARTITION_COLUMN, type AggregateConfig, type ConsolidationConfig, type PipelineConfig } from '../config.js';
import { cellAt } from '../columnar/columns.js';
import { readColumns } from '../columnar/reader.js';
import { typeName } from '../columnar/schema.js';
import type { CellValue, ColumnTable, FlatTable, TableColumn } from '../columnar/types.js';
import { ColumnTypeError } from '../columnar/errors.js';
import { writeColumns } from '../columnar/writer.js';
import { ConsolidationNotFoundError } from '../consolidate/errors.js';
import type { SqlDialect } from '../consolidate/sql.js';
import { sha256Hex } from '../hashing.js';
import { aggregateTable, goldLayout, goldTable } from '../lake/layout.js';
import {
  dominates,
  lakeCatalogTable,
  newVersionId,
  partitionKey,
  publicationDeps,
  publishPartition,
  tablePartition,
  versionFile,
} from '../lake/publication.js';
import { logFailedStep, logProcessamento, toStepRecord, type MetricsSink, type ProcessingLogger } from '../processing-log.js';
import { compileCoercer } from '../refine/coerce.js';
import type { Catalog } from '../../ports/catalog.js';
import type { ObjectStore } from '../../ports/object-store.js';
import type { PartitionVersionRecord, PartitionVersionStore } from '../../ports/partition-versions.js';
import { ObjectNotFoundError } from '../../ports/errors.js';
import type { QueryRow } from '../../ports/query-engine.js';
import { aggregateColumns, aggregateSql } from './aggregates.js';

const PART_FILE = 'part-00000.snappy.parquet';

export interface RefreshAggregatesDeps {
  config: PipelineConfig;
  gold: ObjectStore;
  catalog: Catalog;
  versions: PartitionVersionStore;
  clock?: () => Date;
  /** SQL over the catalog's tables (the QueryEngine port): Athena in AWS, DuckDB locally. */
  query: (sql: string) => Promise<QueryRow[]>;
  /** The SQL dialect `query` runs. */
  dialect: SqlDialect;
  log?: ProcessingLogger;
  metrics?: MetricsSink;
}

export interface RefreshAggregatesRequest {
  runId: string;
  /** The consolidation, as the config names it. */
  database: string;
  tabela: string;
  /** The gold partitions whose aggregates are refreshed. */
  anomesdias: string[];
}

/** One aggregate's day: small, as it travels in the state machine's payload. */
export interface AggregateRefresh {
  table: string;
  anomesdia: string;
  rows_written: number;
  /** The run whose version stands instead: it was computed from a newer gold version, and this one was not published. */
  superseded_by?: string;
}

/**
 * Each aggregate of the consolidation for each day of the request. A rerun over the same gold version that
 * computes the same rows publishes nothing; a version computed from an older gold version than the one
 * published meanwhile is discarded. A day without gold rows gets an empty partition, so that a day rebuilt
 * with fewer rows loses its former groups.
 */
export async function refreshAggregates(deps: RefreshAggregatesDeps, request: RefreshAggregatesRequest): Promise<AggregateRefresh[]> {
  const consolidation = deps.config.consolidations.find((c) => c.database === request.database && c.tabela_consolidada === request.tabela);
  if (!consolidation) throw new ConsolidationNotFoundError(request.database, request.tabela, deps.config);
  const results: AggregateRefresh[] = [];
  for (const aggregate of consolidation.aggregates)
    results.push(...(await refreshAggregate(deps, consolidation, aggregate, request.runId, request.anomesdias)));
  return results;
}

/** One aggregate's days: one query for them all, then each day's rows published as that day's version. */
async function refreshAggregate(
  deps: RefreshAggregatesDeps,
  consolidation: ConsolidationConfig,
  aggregate: AggregateConfig,
  runId: string,
  anomesdias: readonly string[],
): Promise<AggregateRefresh[]> {
  if (anomesdias.length === 0) return [];
  const clock = deps.clock ?? (() => new Date());
  const table = aggregateTable(deps.config, consolidation, aggregate);
  const source = `${table.database}.${table.name}`;
  const gold = goldTable(deps.config, consolidation);
  const days = [...new Set(anomesdias)];
  const started = clock();
  let rowsByDay: Map<string, QueryRow[]>;
  let goldVersions: Map<string, number>;
  try {
    // Read before the query, so that the version named is never newer than the rows read (a refresh that read
    // older rows then loses to one that read newer). Only between a gold version's record and its catalog
    // update, a moment inside the consolidation step that publishes it, could the query still see the one before.
    goldVersions = await goldVersionsOf(deps, gold, days);
    rowsByDay = byDay(await deps.query(aggregateSql(deps.config, consolidation, aggregate, days, deps.dialect)));
  } catch (err) {
    logFailedStep(deps, 'consolidate', source, err, { started, ended: clock() });
    throw err;
  }
  const day: DayContext = {
    consolidation,
    table,
    source,
    runId,
    goldName: gold.name,
    cellsOf: tableReader(aggregateColumns(deps.config, consolidation, aggregate), source),
    clock,
    tableEnsured: false,
  };
  // The query's time goes to the first day's record; each later day's is its own publication.
  let dayStarted = started;
  const results: AggregateRefresh[] = [];
  for (const anomesdia of anomesdias) {
    results.push(await publishDay(deps, day, anomesdia, rowsByDay.get(anomesdia) ?? [], goldVersions.get(anomesdia)!, dayStarted));
    dayStarted = clock();
  }
  return results;
}

/** What each day of one aggregate's refresh shares. */
interface DayContext {
  consolidation: ConsolidationConfig;
  table: ReturnType<typeof aggregateTable>;
  source: string;
  runId: string;
  goldName: string;
  cellsOf: (rows: readonly QueryRow[]) => ColumnTable;
  clock: () => Date;
  /** The aggregate's catalog entry is declared once per refresh, before its first publication. */
  tableEnsured: boolean;
}

/** A day's rows published as that day's version, unless the published one holds them from the same gold version. */
async function publishDay(
  deps: RefreshAggregatesDeps,
  day: DayContext,
  anomesdia: string,
  rows: readonly QueryRow[],
  goldVersion: number,
  started: Date,
): Promise<AggregateRefresh> {
  const { consolidation, table, source, runId, clock } = day;
  try {
    const values = { [PARTITION_COLUMN]: anomesdia };
    const inputs = { [day.goldName]: goldVersion };
    const cells = day.cellsOf(rows);
    const bytes = writeColumns(cells);
    const partition = tablePartition('gold', table, values);
    let result: AggregateRefresh = { table: table.name, anomesdia, rows_written: rows.length };
    const same = await unchanged(deps, await deps.versions.get(partition.partition), inputs, cells, bytes);
    if (!same) {
      if (!day.tableEnsured) await deps.catalog.ensureTable(lakeCatalogTable(table, deps.gold));
      day.tableEnsured = true;
      const versionPrefix = goldLayout.versionPrefix(consolidation.database, table.name, anomesdia, runId, newVersionId(clock));
      const key = `${versionPrefix}${PART_FILE}`;
      await deps.gold.put(key, bytes, { contentType: 'application/vnd.apache.parquet' });
      const outcome = await publishPartition(publicationDeps(deps, deps.gold, clock), {
        ...partition,
        partitionPrefix: goldLayout.partitionPrefix(consolidation.database, table.name, anomesdia),
        versionPrefix,
        runId,
        inputs,
        files: [versionFile(key, bytes, rows.length)],
      });
      if (!outcome.published) result = { ...result, rows_written: 0, superseded_by: outcome.current.run_id };
    }
    const message = `anomesdia ${anomesdia} (aggregate of ${consolidation.tabela_consolidada} gold version ${goldVersion}${same ? ', unchanged' : ''})`;
    logProcessamento(
      deps.log,
      deps.metrics,
      toStepRecord(
        'consolidate',
        { source, rows_written: result.rows_written, duration_ms: clock().getTime() - started.getTime(), message },
        { started_at: started.toISOString() },
      ),
    );
    return result;
  } catch (err) {
    logFailedStep(deps, 'consolidate', source, err, { started, ended: clock() });
    throw err;
  }
}

/** Parallel reads of the version store, as many at a time (a year's days otherwise wait on 366 round trips in turn). */
const VERSION_READS = 16;

/** The published gold version of each day (0 for a day without one). */
async function goldVersionsOf(
  deps: RefreshAggregatesDeps,
  gold: ReturnType<typeof goldTable>,
  days: readonly string[],
): Promise<Map<string, number>> {
  const versions = new Map<string, number>();
  for (let i = 0; i < days.length; i += VERSION_READS) {
    const batch = days.slice(i, i + VERSION_READS);
    const records = await Promise.all(
      batch.map((d) => deps.versions.get(partitionKey('gold', gold.database, gold.name, { [PARTITION_COLUMN]: d }))),
    );
    batch.forEach((d, j) => versions.set(d, records[j]?.version ?? 0));
  }
  return versions;
}

/** The query's rows by their day, each day's in the query's order; the day's column is not the aggregate's. */
function byDay(rows: readonly QueryRow[]): Map<string, QueryRow[]> {
  const days = new Map<string, QueryRow[]>();
  for (const row of rows) {
    const day = String(row[PARTITION_COLUMN]);
    let list = days.get(day);
    if (!list) days.set(day, (list = []));
    list.push(row);
  }
  return days;
}

/**
 * Whether the published version already holds these rows from the same gold version (a rerun, a retried call):
 * the same bytes, or the same cells with doubles equal to 1e-12 of their size, as a parallel engine adds doubles
 * in whatever order its threads finish. A changed aggregate (other columns, a filter) gives other cells.
 */
async function unchanged(
  deps: RefreshAggregatesDeps,
  current: PartitionVersionRecord | undefined,
  inputs: Record<string, number>,
  table: ColumnTable,
  bytes: Uint8Array,
): Promise<boolean> {
  if (!current || !dominates(current.inputs, inputs) || !dominates(inputs, current.inputs) || current.files.length !== 1) return false;
  const file = current.files[0]!;
  if (file.sha256 === sha256Hex(bytes)) return true;
  if (file.rows !== table.rowCount || !table.columns.some((c) => c.type === 'double')) return false;
  let published: FlatTable;
  try {
    published = readColumns(await deps.gold.get(file.key), { file: deps.gold.uri(file.key) });
  } catch (err) {
    if (err instanceof ObjectNotFoundError) return false;
    throw err;
  }
  if (published.columns.map(typeName).join() !== table.columns.map(typeName).join()) return false;
  if (published.columns.some((c, i) => c.name !== table.columns[i]!.name)) return false;
  return table.columns.every((c) => {
    const cells = table.data[c.name]!;
    for (let i = 0; i < table.rowCount; i++) {
      const [a, b] = [comparable(cellAt(c.type, published.data[c.name], i)), comparable(cells[i] ?? null)];
      if (a === b) continue;
      if (c.type !== 'double' || typeof a !== 'number' || typeof b !== 'number') return false;
      if (Math.abs(a - b) > 1e-12 * Math.max(Math.abs(a), Math.abs(b))) return false;
    }
    return true;
  });
}

const comparable = (v: CellValue) => (v instanceof Date ? v.getTime() : v);

/**
 * Query rows as the aggregate's cells, read as refine reads a record: decimals from their exact text, longs
 * from numbers or text, timestamps from Dates (DuckDB) or ISO-8601 text (Athena), dates from Dates or days.
 * The coercer is compiled once for all of an aggregate's days.
 */
function tableReader(columns: TableColumn[], table: string): (rows: readonly QueryRow[]) => ColumnTable {
  const coerce = compileCoercer(columns.map((c) => ({ ...c, required: false })));
  return (rows) => {
    const data: ColumnTable['data'] = Object.fromEntries(columns.map((c) => [c.name, new Array(rows.length)]));
    rows.forEach((row, i) => {
      const record: Record<string, unknown> = {};
      for (const c of columns) {
        const v = row[c.name];
        record[c.name] = v instanceof Date ? (c.type === 'date' ? v.getTime() : v.toISOString()) : v;
      }
      const coerced = coerce(record);
      if (!coerced.ok) {
        const issue = coerced.issues[0]!;
        throw new ColumnTypeError(
          issue.field,
          `Aggregate ${table}: the query returned ${String(row[issue.field])} for column "${issue.field}" (${issue.reason}); ` +
            'the query engine returned another type than the aggregate declares: check the gold table’s column types in the catalog',
        );
      }
      coerced.values.forEach((v, j) => (data[columns[j]!.name]![i] = v));
    });
    return { columns, data, rowCount: rows.length };
  };
}
