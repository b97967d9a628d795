// Consolidates one gold partition: reads each origin's silver partition, applies the engine (or
// delegates to Glue above the threshold), writes snappy Parquet under a new run folder, switches the
// catalog partition to it, removes the previous files, quarantines null-key rows and saves the congregado.
import { findSource, PARTITION_COLUMN, type ConsolidationConfig, type PipelineConfig } from '../config.js';
import { sha256Hex } from '../hashing.js';
import { goldLayout, goldTable, silverLayout, silverTable } from '../lake-layout.js';
import { cellAt, type FlatTable } from '../column-data.js';
import type { CellValue, TableColumn } from '../parquet.js';
import { goldColumns, ORIGIN_COLUMN } from '../table-schemas.js';
import { CatalogTableNotFoundError, type Catalog } from '../../ports/catalog.js';
import type { GlueConsolidationRunner, GlueConsolidationSpec } from '../../ports/glue-runner.js';
import type { ObjectInfo, ObjectStore } from '../../ports/object-store.js';
import type { CongregadoStore } from '../../ports/state-stores.js';
import { parquetFooter, readColumns, writeColumns } from './columnar-io.js';
import { consolidate, type OriginTable, type QuarantinedRow } from './engine.js';
import { consolidationCountsSql, consolidationSql, quarantineSql } from './sql.js';
import type { ConsolidationRules } from './spec.js';

export interface ConsolidateTableDeps {
  config: PipelineConfig;
  silver: ObjectStore;
  gold: ObjectStore;
  catalog: Catalog;
  congregados: CongregadoStore;
  clock?: () => Date;
  glue?: GlueConsolidationRunner;
  /** Resolves an `output_path` outside the silver and gold stores (e.g. another bucket). */
  resolveOutput?: (uri: string) => StoreLocation | undefined;
}

export interface ConsolidateTableRequest {
  runId: string;
  database: string;
  tabela: string;
  anomesdia: string;
  /** The attempt (execution) this call belongs to: a retry of it resumes the Glue run it started. */
  attempt?: string;
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
}

export interface StoreLocation {
  store: ObjectStore;
  /** Key prefix in the store. */
  key: string;
}

export class ConsolidationNotFoundError extends Error {
  constructor(database: string, tabela: string, config: PipelineConfig) {
    super(`No consolidation ${database}.${tabela} in the config; declared: ${config.consolidations.map((c) => `${c.database}.${c.tabela_consolidada}`).join(', ') || 'none'}`);
    this.name = 'ConsolidationNotFoundError';
  }
}

export class UnresolvableLocationError extends Error {
  constructor(readonly location: string, stores: string[]) {
    super(`Location ${location} is in none of the stores (${stores.join(', ')}); point it into one of them or pass resolveOutput`);
    this.name = 'UnresolvableLocationError';
  }
}

export class GlueRunnerMissingError extends Error {
  constructor(table: string, reason: string) {
    super(`Consolidation ${table} must run on Glue (${reason}) but no Glue runner is configured; set engine to "lambda" or deploy the Glue job`);
    this.name = 'GlueRunnerMissingError';
  }
}

/** A folder's URI, always ending in `/` (a file-system store drops it). */
export function folderUri(store: ObjectStore, prefix: string): string {
  return withSlash(store.uri(prefix));
}

/** The key of a location URI in a store when the location starts with the store's root URI. */
export function locationIn(store: ObjectStore, location: string): string | undefined {
  const root = withSlash(store.uri(''));
  if (location === root.slice(0, -1)) return '';
  return location.startsWith(root) ? location.slice(root.length) : undefined;
}

/** The file name of each part written by a consolidation. */
const PART_FILE = 'part-00000.snappy.parquet';
const SUMMARY_FILE = '_summary.json';

export async function consolidateTable(deps: ConsolidateTableDeps, request: ConsolidateTableRequest): Promise<ConsolidateTableResult> {
  const { config } = deps;
  const consolidation = config.consolidations.find((c) => c.database === request.database && c.tabela_consolidada === request.tabela);
  if (!consolidation) throw new ConsolidationNotFoundError(request.database, request.tabela, config);
  const name = `${consolidation.database}.${consolidation.tabela_consolidada}`;
  const columns = goldColumns(config, consolidation).filter((c) => c.name !== ORIGIN_COLUMN);
  const inputs = await silverInputs(deps, consolidation, request.anomesdia);
  const output = outputLocation(deps, consolidation, request);

  const bytes = inputs.reduce((n, f) => n + f.size, 0);
  let engine: 'lambda' | 'glue' = consolidation.engine === 'glue' || (consolidation.engine === 'auto' && bytes > consolidation.glueThreshold.bytes) ? 'glue' : 'lambda';
  const loaded: { origem: string; bytes: Uint8Array }[] = [];
  let inputRows: number | undefined;
  if (engine === 'lambda') {
    loaded.push(...(await Promise.all(inputs.map(async (f) => ({ origem: f.origem, bytes: await deps.silver.get(f.key) })))));
    const rows = loaded.reduce((n, f) => n + Number(parquetFooter(f.bytes).num_rows), 0);
    if (consolidation.engine === 'auto' && rows > consolidation.glueThreshold.rows) engine = 'glue';
    inputRows = rows;
  }

  let written: { rows_read: number; rows_written: number; rows_invalid: number; content_hash: string; sample: Record<string, unknown>[] };
  if (engine === 'glue') {
    if (!deps.glue) throw new GlueRunnerMissingError(name, consolidation.engine === 'glue' ? 'engine is "glue"' : `input of ${bytes} bytes${inputRows === undefined ? '' : ` and ${inputRows} rows`} above the glueThreshold`);
    loaded.length = 0;
    written = await runOnGlue(deps.glue, deps, consolidation, columns, request, output);
  } else {
    const tables: OriginTable[] = [];
    for (const file of loaded) tables.push(await readColumns(file.bytes, file.origem, columns.map((c) => c.name)));
    loaded.length = 0; // the engine holds the decoded columns; let the file bytes go
    written = await runInLambda(deps, consolidation, columns, tables, request, output);
  }

  if (!consolidation.output_path) await switchPartition(deps, consolidation, request, output);
  const { record } = await deps.congregados.save({
    database: consolidation.database,
    tabela_consolidada: consolidation.tabela_consolidada,
    content_hash: written.content_hash,
    record_count: written.rows_written,
    chaves_principais: consolidation.chaves_principais,
    campos_decisao: consolidation.campos_decisao.map((d) => d.campo),
    origens: consolidation.origens,
    processor_type: engine,
    sample_data: written.sample,
    metadata: { anomesdia: request.anomesdia, run_id: request.runId, location: output.uri, rows_read: written.rows_read, rows_invalid: written.rows_invalid, consolidated_at: (deps.clock ?? (() => new Date()))().toISOString() },
  });
  return { anomesdia: request.anomesdia, rows_read: written.rows_read, rows_written: written.rows_written, rows_invalid: written.rows_invalid, congregado_version: record.version, location: output.uri, engine };
}

interface InputFile extends ObjectInfo {
  origem: string;
}

/** Each origin's Parquet files for the day: the catalog partition's location, else the layout's partition folder. */
async function silverInputs(deps: ConsolidateTableDeps, consolidation: ConsolidationConfig, anomesdia: string): Promise<InputFile[]> {
  const files: InputFile[] = [];
  for (const origem of consolidation.origens) {
    const table = silverTable(deps.config, findSource(deps.config, origem));
    let location: string | undefined;
    try {
      location = await deps.catalog.getPartitionLocation(table.database, table.name, { [PARTITION_COLUMN]: anomesdia });
    } catch (err) {
      if (!(err instanceof CatalogTableNotFoundError)) throw err;
    }
    const prefix = location === undefined ? silverLayout.partitionPrefix(origem, anomesdia) : withSlash(resolveIn([deps.silver], location).key);
    const found: ObjectInfo[] = [];
    for await (const object of deps.silver.list(prefix)) if (object.key.endsWith('.parquet')) found.push(object);
    files.push(...(location === undefined ? latestRun(found, prefix) : found).map((f) => ({ ...f, origem })));
  }
  return files;
}

/** Without a catalog entry a partition folder may hold several Refine runs: only the newest one counts. */
function latestRun(files: ObjectInfo[], prefix: string): ObjectInfo[] {
  const runOf = (key: string) => /^run=[^/]+\//.exec(key.slice(prefix.length))?.[0];
  const runs = new Map<string, number>();
  for (const f of files) {
    const run = runOf(f.key);
    if (run) runs.set(run, Math.max(runs.get(run) ?? 0, f.lastModified?.getTime() ?? 0));
  }
  if (runs.size === 0) return files;
  const newest = [...runs.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : -1))[0]![0];
  return files.filter((f) => runOf(f.key) === newest);
}

interface OutputLocation extends StoreLocation {
  uri: string;
}

/** The new run folder of the gold partition, or `<output_path>anomesdia=<day>/`. */
function outputLocation(deps: ConsolidateTableDeps, consolidation: ConsolidationConfig, request: ConsolidateTableRequest): OutputLocation {
  if (consolidation.output_path) {
    const uri = `${withSlash(consolidation.output_path)}${PARTITION_COLUMN}=${request.anomesdia}/`;
    const resolved = deps.resolveOutput?.(uri) ?? resolveIn([deps.gold, deps.silver], uri);
    return { ...resolved, uri };
  }
  const key = goldLayout.runPrefix(consolidation.database, consolidation.tabela_consolidada, request.anomesdia, request.runId);
  return { store: deps.gold, key, uri: folderUri(deps.gold, key) };
}

function resolveIn(stores: ObjectStore[], location: string): StoreLocation {
  for (const store of stores) {
    const key = locationIn(store, location);
    if (key !== undefined) return { store, key };
  }
  throw new UnresolvableLocationError(location, stores.map((s) => s.uri('')));
}

async function runInLambda(
  deps: ConsolidateTableDeps,
  consolidation: ConsolidationConfig,
  columns: TableColumn[],
  tables: OriginTable[],
  request: ConsolidateTableRequest,
  output: OutputLocation,
) {
  const result = consolidate(rulesOf(consolidation), tables, { columns });
  tables.length = 0;
  // No run id in the file: equal content must give equal bytes, and so an equal congregado content hash.
  const bytes = writeColumns(result.table);
  await output.store.put(`${output.key}${PART_FILE}`, bytes, { contentType: 'application/vnd.apache.parquet' });
  await deleteAllBut(output.store, output.key, new Set([`${output.key}${PART_FILE}`]));
  if (result.quarantined.length > 0) await quarantine(deps.gold, consolidation, request, result.quarantined);
  return {
    rows_read: result.rows_read,
    rows_written: result.table.rowCount,
    rows_invalid: result.quarantined.length,
    content_hash: sha256Hex(bytes),
    sample: sampleRows(result.table, deps.config.limits.congregadoSampleRows),
  };
}

async function runOnGlue(
  glue: GlueConsolidationRunner,
  deps: ConsolidateTableDeps,
  consolidation: ConsolidationConfig,
  columns: TableColumn[],
  request: ConsolidateTableRequest,
  output: OutputLocation,
) {
  const sources = consolidation.origens.map((origem) => {
    const table = silverTable(deps.config, findSource(deps.config, origem));
    return { origem, database: table.database, table: table.name, columns: table.columns.map((c) => c.name) };
  });
  const sqlSpec = { ...rulesOf(consolidation), columns, sources, anomesdia: request.anomesdia };
  const spec: GlueConsolidationSpec = {
    version: 1,
    run_id: request.runId,
    sql: consolidationSql(sqlSpec, 'spark'),
    counts_sql: consolidationCountsSql(sqlSpec, 'spark'),
    quarantine_sql: quarantineSql(sqlSpec, 'spark'),
    quarantine_location: folderUri(deps.gold, quarantinePrefix(consolidation, request)),
    database: goldTable(deps.config, consolidation).database,
    tabela_consolidada: consolidation.tabela_consolidada,
    anomesdia: request.anomesdia,
    output_location: output.uri,
    columns: [...columns.map((c) => c.name), ORIGIN_COLUMN],
  };
  await glue.run(spec, { attempt: request.attempt });
  const summary = JSON.parse(new TextDecoder().decode(await output.store.get(`${output.key}${SUMMARY_FILE}`))) as { rows_read: number; rows_written: number; rows_invalid: number };
  // The content hash covers the job's files in key order; the sample comes from the first file.
  const hash: string[] = [];
  let sample: Record<string, unknown>[] = [];
  for await (const object of output.store.list(output.key)) {
    if (!object.key.endsWith('.parquet')) continue;
    const bytes = await output.store.get(object.key);
    hash.push(sha256Hex(bytes));
    if (sample.length === 0) {
      const table = await readColumns(bytes, 'glue');
      sample = sampleRows(table, deps.config.limits.congregadoSampleRows);
    }
  }
  return { ...summary, content_hash: sha256Hex(hash.join('\n')), sample };
}

/** Points the catalog partition at the new run folder, then removes every other file of the partition. */
async function switchPartition(deps: ConsolidateTableDeps, consolidation: ConsolidationConfig, request: ConsolidateTableRequest, output: OutputLocation): Promise<void> {
  const table = goldTable(deps.config, consolidation);
  const values = { [PARTITION_COLUMN]: request.anomesdia };
  await deps.catalog.ensureTable({ database: table.database, name: table.name, location: folderUri(deps.gold, table.prefix), columns: table.columns, partitionKeys: table.partitionKeys });
  const previous = await deps.catalog.getPartitionLocation(table.database, table.name, values);
  await deps.catalog.upsertPartition(table.database, table.name, values, output.uri);
  const partition = goldLayout.partitionPrefix(consolidation.database, consolidation.tabela_consolidada, request.anomesdia);
  const keep = new Set<string>();
  for await (const o of deps.gold.list(output.key)) keep.add(o.key);
  await deleteAllBut(deps.gold, partition, keep);
  const old = previous === undefined ? undefined : locationIn(deps.gold, previous);
  if (old !== undefined && old !== output.key && !old.startsWith(partition)) await deleteAllBut(deps.gold, withSlash(old), keep);
}

async function deleteAllBut(store: ObjectStore, prefix: string, keep: Set<string>): Promise<void> {
  const stale: string[] = [];
  for await (const o of store.list(prefix)) if (!keep.has(o.key)) stale.push(o.key);
  for (let i = 0; i < stale.length; i += 1000) await store.delete(stale.slice(i, i + 1000));
}

async function quarantine(gold: ObjectStore, consolidation: ConsolidationConfig, request: ConsolidateTableRequest, rows: QuarantinedRow[]): Promise<void> {
  const key = `${quarantinePrefix(consolidation, request)}.ndjson`;
  const lines = rows.map((q) => JSON.stringify({ origem: q.origem, reason: q.reason, row: jsonRow(q.row, undefined) }));
  await gold.put(key, `${lines.join('\n')}\n`, { contentType: 'application/x-ndjson' });
}

/** `_quarantine/<database>/<tabela>/anomesdia=<day>/run=<runId>`: `.ndjson` from the Lambda, a folder of JSON parts from Glue. */
function quarantinePrefix(consolidation: ConsolidationConfig, request: ConsolidateTableRequest): string {
  return `_quarantine/${consolidation.database}/${consolidation.tabela_consolidada}/${PARTITION_COLUMN}=${request.anomesdia}/run=${request.runId}`;
}

function rulesOf(consolidation: ConsolidationConfig): ConsolidationRules {
  return { origens: consolidation.origens, chaves_principais: consolidation.chaves_principais, campos_decisao: consolidation.campos_decisao };
}

/** The first rows (in key order) as JSON-ready objects: timestamps and dates as ISO-8601. */
function sampleRows(table: FlatTable, limit: number): Record<string, unknown>[] {
  const types = new Map(table.columns.map((c) => [c.name, c.type]));
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < Math.min(limit, table.rowCount); i++) {
    const row: Record<string, CellValue> = {};
    for (const c of table.columns) row[c.name] = cellAt(c.type, table.data[c.name], i);
    rows.push(jsonRow(row, types));
  }
  return rows;
}

function jsonRow(row: Record<string, CellValue>, types: Map<string, string> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    const type = types?.get(k);
    out[k] = v instanceof Date ? v.toISOString() : typeof v === 'number' && (type === 'timestamp' || type === 'date') ? new Date(v).toISOString() : v;
  }
  return out;
}

function withSlash(prefix: string): string {
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
}
