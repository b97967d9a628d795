// Consolidates one gold partition in three phases: choosing the engine (the TypeScript engine in this
// Lambda, or the Glue job above the threshold), running it (snappy Parquet in a new version folder, null-key
// rows quarantined), and publishing (the version published, then the congregado saved). A partition for Glue
// is handed back to the state machine, which runs the job and waits for it, then calls again (phase
// 'glue-output') to read the job's output back and publish it. Its processing log line and metrics go out
// like ingest's and refine's.
import { findSource, PARTITION_COLUMN, type ConsolidationConfig } from '../config.js';
import { cellAt, decimalText, takeRows, timestampText } from '../columnar/columns.js';
import { parquetFooter, readColumns } from '../columnar/reader.js';
import type { CellValue, FlatTable, TableColumn } from '../columnar/types.js';
import { writeColumns } from '../columnar/writer.js';
import { sha256Hex } from '../hashing.js';
import { goldLayout, goldTable, silverLayout, silverTable } from '../lake/layout.js';
import { ConservationError } from '../lake/errors.js';
import {
  clearFolder,
  folderUri,
  lakeCatalogTable,
  locationIn,
  newVersionId,
  partitionKey,
  publishPartition,
  publicationDeps,
  tablePartition,
  versionFile,
  withSlash,
} from '../lake/publication.js';
import type { VersionFile } from '../../ports/partition-versions.js';
import { goldColumns, ORIGIN_COLUMN } from '../lake/tables.js';
import { logFailedStep, logProcessamento, toStepRecord } from '../processing-log.js';

import { CatalogTableNotFoundError, ObjectNotFoundError } from '../../ports/errors.js';
import type { GlueConsolidationRunner, GlueConsolidationSpec } from '../../ports/glue-runner.js';
import type { ObjectInfo, ObjectStore } from '../../ports/object-store.js';

import { consolidate, type OriginTable } from './engine.js';
import { ConsolidationNotFoundError, GlueOutputError, GlueRunnerMissingError, UnresolvableLocationError } from './errors.js';
import type { ConsolidationRules } from './spec.js';
import { consolidationCountsSql, consolidationSql, quarantineSql } from './sql.js';
import { requireSilverColumns } from './silver-schema.js';
import type { ConsolidateTableDeps, ConsolidateTableRequest, ConsolidateTableResult, GlueHandoff, StoreLocation } from './types.js';
import { faultPoint } from '../faults.js';
import { summariseQuality, type DroppedRow, type ExpectationResult } from '../quality/expectations.js';
import { checkGoldPartition, goldExpectationColumns } from './gold-expectations.js';

/** The file name of each part written by a consolidation. */
const PART_FILE = 'part-00000.snappy.parquet';
const SUMMARY_FILE = '_summary.json';

/** Consolidates a partition here, or hands it to Glue; with phase 'glue-output', publishes what the Glue run wrote. */
export async function consolidateTable(
  deps: ConsolidateTableDeps,
  request: ConsolidateTableRequest,
): Promise<ConsolidateTableResult | GlueHandoff> {
  const clock = deps.clock ?? (() => new Date());
  const started = clock();
  const source = `${request.database}.${request.tabela}`;
  try {
    const job = await prepare(deps, request);
    let engine: 'lambda' | 'glue';
    let written: Written;
    if (request.phase === 'glue-output') {
      await faultPoint('consolidate:during-glue');
      engine = 'glue';
      job.output = outputLocation(deps, job.consolidation, request, versionIdFor('glue', request, clock));
      // Decoded as the files are read for their hashes: the columns the expectations name, nothing when there are none.
      const { decoded, ...output } = await readGlueOutput(deps, job, goldExpectationColumns(job.consolidation));
      written = await checkGlueOutput(deps, job, output, decoded);
      // The run read the silver versions the catalog named when it started: those the handoff read, unless
      // an origin was republished meanwhile (then the ones read now, if they hold the rows it read).
      const handed = request.handoff;
      if (handed && handed.expected_rows === written.rows_read)
        Object.assign(job, { versions: handed.inputs, expectedRows: handed.expected_rows });
    } else {
      const choice = await chooseEngine(deps, job);
      job.output = outputLocation(deps, job.consolidation, request, versionIdFor(choice.engine, request, clock));
      // Not logged as a consolidation yet: the line goes out when the Glue output is published.
      if (choice.engine === 'glue') return await handOffToGlue(choice.glue, deps, job);
      engine = 'lambda';
      written = await runInLambda(deps, job, choice.loaded);
    }
    checkBooks(job, written);
    const result = await publish(deps, job, engine, written, clock);
    logProcessamento(
      deps.log,
      deps.metrics,
      toStepRecord(
        'consolidate',
        {
          ...result,
          source,
          objects: result.location ? [result.location] : [],
          duration_ms: clock().getTime() - started.getTime(),
          message: `anomesdia ${request.anomesdia} (${result.engine})`,
        },
        { started_at: started.toISOString() },
      ),
    );
    return result;
  } catch (err) {
    logFailedStep(deps, 'consolidate', source, err, { started, ended: clock() });
    throw err;
  }
}

/** What one partition's consolidation works on: its config, gold columns, silver inputs and output folder. */
interface PartitionJob {
  request: ConsolidateTableRequest;
  consolidation: ConsolidationConfig;
  name: string;
  columns: TableColumn[];
  inputs: InputFile[];
  /** Each origin's silver version read (0 where it has none): what the gold version is built from. */
  versions: Record<string, number>;
  /** The rows the origins' silver versions hold, as their writers recorded them (undefined for a partition without a record). */
  expectedRows?: number;
  /** The new version's folder, known once the engine is chosen. */
  output: OutputLocation;
}

async function prepare(deps: ConsolidateTableDeps, request: ConsolidateTableRequest): Promise<PartitionJob> {
  const consolidation = deps.config.consolidations.find((c) => c.database === request.database && c.tabela_consolidada === request.tabela);
  if (!consolidation) throw new ConsolidationNotFoundError(request.database, request.tabela, deps.config);
  return {
    request,
    consolidation,
    name: `${consolidation.database}.${consolidation.tabela_consolidada}`,
    columns: goldColumns(deps.config, consolidation).filter((c) => c.name !== ORIGIN_COLUMN),
    ...(await silverInputs(deps, consolidation, request.anomesdia)),
    output: { store: deps.gold, key: '', uri: '' },
  };
}

/**
 * The new version's folder name: fresh for each Lambda consolidation; for a Glue run the same for the
 * handoff and the publication of one execution (`attempt`), so that the publication finds what the run wrote.
 */
function versionIdFor(engine: 'lambda' | 'glue', request: ConsolidateTableRequest, clock: () => Date): string {
  return engine === 'glue' ? `g${sha256Hex(request.attempt ?? request.runId).slice(0, 16)}` : newVersionId(clock);
}

type EngineChoice = { engine: 'lambda'; loaded: LoadedFile[] } | { engine: 'glue'; glue: GlueConsolidationRunner };

interface LoadedFile {
  origem: string;
  key: string;
  bytes: Uint8Array;
  rows: number;
}

/**
 * A silver file's bytes, checked against what its writer recorded (size, sha256, rows): a file deleted,
 * cut short or replaced since refine wrote it is a ConservationError, and nothing is published.
 */
async function loadChecked(deps: ConsolidateTableDeps, file: InputFile): Promise<LoadedFile> {
  const uri = deps.silver.uri(file.key);
  let bytes: Uint8Array;
  try {
    bytes = await deps.silver.get(file.key);
  } catch (err) {
    if (err instanceof ObjectNotFoundError && file.expected)
      throw new ConservationError(file.partition, `${file.expected.rows} rows in ${uri}`, 'no file', 'the file is missing');
    throw err;
  }
  const expected = file.expected;
  if (expected && (bytes.byteLength !== expected.bytes || sha256Hex(bytes) !== expected.sha256))
    throw new ConservationError(
      file.partition,
      `${expected.bytes} bytes in ${uri} (sha256 ${expected.sha256.slice(0, 12)}...)`,
      `${bytes.byteLength} bytes (sha256 ${sha256Hex(bytes).slice(0, 12)}...)`,
      'the file changed since it was published',
    );
  const rows = Number(parquetFooter(bytes, uri).num_rows);
  if (expected && rows !== expected.rows)
    throw new ConservationError(
      file.partition,
      `${expected.rows} rows in ${uri}`,
      `${rows} rows`,
      'the file holds other rows than recorded',
    );
  return { origem: file.origem, key: file.key, bytes, rows };
}

/** The origins' recorded rows against what the engine read, and the books of the gold partition. */
function checkBooks(job: PartitionJob, written: Written): void {
  if (job.expectedRows !== undefined && written.rows_read !== job.expectedRows)
    throw new ConservationError(
      `gold ${job.name} anomesdia=${job.request.anomesdia}`,
      `${job.expectedRows} silver rows (the origins' published versions)`,
      `${written.rows_read} rows`,
      'the engine read other rows than the silver versions hold',
    );
}

/**
 * Glue when the config says so, or (engine auto) when the inputs pass the glueThreshold in bytes, or in
 * rows once loaded; the Lambda engine otherwise, with the files it loaded to count the rows.
 */
async function chooseEngine(deps: ConsolidateTableDeps, job: PartitionJob): Promise<EngineChoice> {
  const { consolidation, inputs } = job;
  const bytes = inputs.reduce((n, f) => n + f.size, 0);
  const glue = (reason: string): EngineChoice => {
    if (!deps.glue) throw new GlueRunnerMissingError(job.name, reason);
    return { engine: 'glue', glue: deps.glue };
  };
  if (consolidation.engine === 'glue') return glue('engine is "glue"');
  if (consolidation.engine === 'auto' && bytes > consolidation.glueThreshold.bytes)
    return glue(`input of ${bytes} bytes above the glueThreshold`);
  const loaded = await Promise.all(inputs.map((f) => loadChecked(deps, f)));
  const rows = loaded.reduce((n, f) => n + f.rows, 0);
  if (consolidation.engine === 'auto' && rows > consolidation.glueThreshold.rows)
    return glue(`input of ${bytes} bytes and ${rows} rows above the glueThreshold`);
  return { engine: 'lambda', loaded };
}

/** What running an engine wrote to the partition's new folder. */
interface Written {
  rows_read: number;
  rows_written: number;
  rows_invalid: number;
  content_hash: string;
  sample: Record<string, unknown>[];
  /** The version's files, and its quarantine outside the folder. */
  files: VersionFile[];
  extra?: string[];
  /** Rows the consolidation's drop expectations took out (quarantined; counted in rows_invalid too). */
  rows_dropped?: number;
  /** The consolidation's expectations on the partition, when it declares any. */
  quality?: ExpectationResult[];
}

/**
 * Publishes the new version (not for an output_path, which is written in place and left out of the
 * catalog), then saves the congregado. A version built from older silver than the one published
 * meanwhile is discarded: the newer one stands, and its writer saved its congregado.
 */
async function publish(
  deps: ConsolidateTableDeps,
  job: PartitionJob,
  engine: 'lambda' | 'glue',
  written: Written,
  clock: () => Date,
): Promise<ConsolidateTableResult> {
  const { consolidation, request, output } = job;
  const losers = written.rows_read - written.rows_written - written.rows_invalid;
  const dropped = written.rows_dropped ?? 0;
  const books =
    `${written.rows_read} silver = ${written.rows_written} gold + ${losers} outranked + ${written.rows_invalid - dropped} null keys` +
    (dropped > 0 ? ` + ${dropped} dropped by expectations` : '');
  const quality = written.quality && summariseQuality([written.quality]);
  const base = {
    anomesdia: request.anomesdia,
    rows_read: written.rows_read,
    rows_written: written.rows_written,
    rows_invalid: written.rows_invalid,
    engine,
    books,
    ...(quality ? { quality } : {}),
  };
  let location = output.uri;
  if (!consolidation.output_path) {
    const table = goldTable(deps.config, consolidation);
    await deps.catalog.ensureTable(lakeCatalogTable(table, deps.gold));
    await faultPoint('consolidate:before-publish');
    const outcome = await publishPartition(publicationDeps(deps, deps.gold, clock), {
      ...tablePartition('gold', table, { [PARTITION_COLUMN]: request.anomesdia }),
      partitionPrefix: goldLayout.partitionPrefix(consolidation.database, consolidation.tabela_consolidada, request.anomesdia),
      versionPrefix: output.key,
      runId: request.runId,
      inputs: job.versions,
      files: written.files,
      ...(written.extra?.length ? { extra: written.extra } : {}),
      extraPrefix: goldLayout.quarantinePartitionPrefix(consolidation.database, consolidation.tabela_consolidada, request.anomesdia),
    });
    if (!outcome.published)
      return {
        ...base,
        rows_written: 0,
        location: outcome.current.location,
        superseded_by: outcome.current.run_id,
        books: `${books}; not published: run ${outcome.current.run_id} published a version built from newer silver (${JSON.stringify(outcome.current.inputs)}; this one read ${JSON.stringify(job.versions)})`,
      };
    location = outcome.record.location;
  }
  await faultPoint('consolidate:before-congregado');
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
    metadata: {
      anomesdia: request.anomesdia,
      run_id: request.runId,
      location,
      rows_read: written.rows_read,
      rows_invalid: written.rows_invalid,
      consolidated_at: clock().toISOString(),
    },
  });
  return { ...base, congregado_version: record.version, location };
}

interface InputFile extends ObjectInfo {
  origem: string;
  /** The silver partition the file belongs to, for messages. */
  partition: string;
  /** What the file's writer recorded, when its partition has a version record. */
  expected?: VersionFile;
}

/**
 * Each origin's Parquet files for the day: those of the partition's published version, as its record lists
 * them; for a partition published before versions were recorded, the catalog partition's location (else
 * the layout's partition folder, newest run).
 */
async function silverInputs(
  deps: ConsolidateTableDeps,
  consolidation: ConsolidationConfig,
  anomesdia: string,
): Promise<{ inputs: InputFile[]; versions: Record<string, number>; expectedRows?: number }> {
  const inputs: InputFile[] = [];
  const versions: Record<string, number> = {};
  let expectedRows: number | undefined = 0;
  for (const origem of consolidation.origens) {
    const table = silverTable(deps.config, findSource(deps.config, origem));
    const values = { [PARTITION_COLUMN]: anomesdia };
    const partition = partitionKey('silver', table.database, table.name, values);
    const record = await deps.versions.get(partition);
    versions[origem] = record?.version ?? 0;
    if (record) {
      inputs.push(...record.files.map((f) => ({ key: f.key, size: f.bytes, origem, partition, expected: f })));
      expectedRows = expectedRows === undefined ? undefined : expectedRows + record.rows;
      continue;
    }
    let location: string | undefined;
    try {
      location = await deps.catalog.getPartitionLocation(table.database, table.name, values);
    } catch (err) {
      if (!(err instanceof CatalogTableNotFoundError)) throw err;
    }
    const prefix =
      location === undefined ? silverLayout.partitionPrefix(origem, anomesdia) : withSlash(resolveIn([deps.silver], location).key);
    const found: ObjectInfo[] = [];
    for await (const object of deps.silver.list(prefix)) if (object.key.endsWith('.parquet')) found.push(object);
    const files = location === undefined ? latestRun(found, prefix) : found;
    inputs.push(...files.map((f) => ({ ...f, origem, partition })));
    // Without a record there is nothing to check the rows against.
    if (files.length > 0) expectedRows = undefined;
  }
  return { inputs, versions, ...(expectedRows !== undefined ? { expectedRows } : {}) };
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

/** The new version's folder of the gold partition, or `<output_path>anomesdia=<day>/`. */
function outputLocation(
  deps: ConsolidateTableDeps,
  consolidation: ConsolidationConfig,
  request: ConsolidateTableRequest,
  versionId: string,
): OutputLocation {
  if (consolidation.output_path) {
    const uri = `${withSlash(consolidation.output_path)}${PARTITION_COLUMN}=${request.anomesdia}/`;
    const resolved = deps.resolveOutput?.(uri) ?? resolveIn([deps.gold, deps.silver], uri);
    return { ...resolved, uri };
  }
  const key = goldLayout.versionPrefix(
    consolidation.database,
    consolidation.tabela_consolidada,
    request.anomesdia,
    request.runId,
    versionId,
  );
  return { store: deps.gold, key, uri: folderUri(deps.gold, key) };
}

function resolveIn(stores: ObjectStore[], location: string): StoreLocation {
  for (const store of stores) {
    const key = locationIn(store, location);
    if (key !== undefined) return { store, key };
  }
  throw new UnresolvableLocationError(
    location,
    stores.map((s) => s.uri('')),
  );
}

/** The TypeScript engine over the loaded files; writes one Parquet part and the null-key rows' quarantine. */
async function runInLambda(deps: ConsolidateTableDeps, job: PartitionJob, loaded: LoadedFile[]): Promise<Written> {
  const { consolidation, columns, output } = job;
  const tables: OriginTable[] = [];
  for (const file of loaded)
    tables.push({
      origem: file.origem,
      ...readColumns(file.bytes, { columns: columns.map((c) => c.name), file: deps.silver.uri(file.key) }),
    });
  requireSilverColumns(deps, consolidation, tables, loaded);
  loaded.length = 0; // the engine holds the decoded columns; let the file bytes go
  const result = consolidate(rulesOf(consolidation), tables, { columns });
  tables.length = 0; // the result holds what it needs of the inputs
  // The expectations judge the rows as they would be published; a fail throws before anything is written.
  const check = await checkGoldPartition(deps, consolidation, job.request, [result.table]);
  const dropped = check?.dropped[0];
  const lines = result.quarantined.map((q) => quarantineLine(q.origem, q.reason, q.row, columns));
  const table = dropped?.size ? keptRows(result.table, dropped, (line) => lines.push(line), job.columns) : result.table;
  // No run id in the file: equal content must give equal bytes, and so an equal congregado content hash.
  const bytes = writeColumns(table);
  const key = `${output.key}${PART_FILE}`;
  // An output_path is written in place: a previous run's other files there go.
  if (consolidation.output_path) await clearFolder(output.store, output.key, new Set([key]));
  await output.store.put(key, bytes, { contentType: 'application/vnd.apache.parquet' });
  await faultPoint('consolidate:mid-write');
  const extra = lines.length > 0 ? [await quarantine(deps.gold, `${quarantinePrefix(job)}/part-00000.json`, lines)] : [];
  return {
    files: [versionFile(key, bytes, table.rowCount)],
    extra,
    rows_read: result.rows_read,
    rows_written: table.rowCount,
    rows_invalid: lines.length,
    content_hash: sha256Hex(bytes),
    sample: sampleRows(table, deps.config.limits.congregadoSampleRows),
    ...(check ? { rows_dropped: check.droppedRows, quality: check.results } : {}),
  };
}

/** The Glue job over the silver tables, running the SQL the generator writes for Spark: its spec, for the state machine to start. */
async function handOffToGlue(glue: GlueConsolidationRunner, deps: ConsolidateTableDeps, job: PartitionJob): Promise<GlueHandoff> {
  const { consolidation, columns, request, output } = job;
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
    quarantine_location: folderUri(deps.gold, quarantinePrefix(job)),
    database: goldTable(deps.config, consolidation).database,
    tabela_consolidada: consolidation.tabela_consolidada,
    anomesdia: request.anomesdia,
    output_location: output.uri,
    columns: [...columns.map((c) => c.name), ORIGIN_COLUMN],
  };
  return {
    anomesdia: request.anomesdia,
    engine: 'glue',
    glue: await glue.prepare(spec),
    inputs: job.versions,
    ...(job.expectedRows !== undefined ? { expected_rows: job.expectedRows } : {}),
  };
}

/**
 * Spark's rule for the files of an output folder that hold data: not a marker or a side file (`_SUCCESS`,
 * `_summary.json`, `_temporary/`, `.part-….crc`: a name starting with `_` or `.`) nor a copy in progress.
 */
export function isDataFile(key: string): boolean {
  const name = key.slice(key.lastIndexOf('/') + 1);
  return name !== '' && !name.startsWith('_') && !name.startsWith('.') && !name.endsWith('._COPYING_');
}

/**
 * What a succeeded Glue run wrote: its `_summary.json`, checked against the rows its Parquet files hold; the
 * content hash over the files in key order, the sample from the first (read as the Lambda reads any Parquet).
 */
async function readGlueOutput(
  deps: ConsolidateTableDeps,
  job: PartitionJob,
  decode: readonly string[],
): Promise<Written & { decoded: FlatTable[] }> {
  const { output } = job;
  let summaryText: string;
  try {
    summaryText = new TextDecoder().decode(await output.store.get(`${output.key}${SUMMARY_FILE}`));
  } catch (err) {
    if (err instanceof ObjectNotFoundError) throw new GlueOutputError(output.uri, `has no ${SUMMARY_FILE}, which the job writes last`);
    throw err;
  }
  const summary = JSON.parse(summaryText) as { rows_read: number; rows_written: number; rows_invalid: number };
  let sample: Record<string, unknown>[] = [];
  let rows = 0;
  const files: string[] = [];
  const recorded: VersionFile[] = [];
  const decoded: FlatTable[] = [];
  // The folder's own files only: `_temporary/` (a commit in progress or abandoned) and any subfolder hold no committed data.
  for await (const object of output.store.list(output.key))
    if (!object.key.slice(output.key.length).includes('/') && isDataFile(object.key)) files.push(object.key);
  for (const key of files.sort()) {
    const bytes = await output.store.get(key);
    const file = output.store.uri(key);
    const fileRows = Number(parquetFooter(bytes, file).num_rows);
    rows += fileRows;
    recorded.push(versionFile(key, bytes, fileRows));
    if (sample.length === 0) sample = sampleRows(readColumns(bytes, { file }), deps.config.limits.congregadoSampleRows);
    if (job.consolidation.expectations.length > 0) decoded.push(readColumns(bytes, { columns: decode, file }));
  }
  if (rows !== summary.rows_written)
    throw new GlueOutputError(
      output.uri,
      `holds ${rows} rows in ${files.length} Parquet file(s), but its ${SUMMARY_FILE} says ${summary.rows_written}`,
    );
  const extra: string[] = [];
  for await (const object of deps.gold.list(`${quarantinePrefix(job)}/`)) if (isDataFile(object.key)) extra.push(object.key);
  return { ...summary, content_hash: filesHash(recorded), sample, files: recorded, extra, decoded };
}

/** A Glue version's content hash: over its files' sha256s, in key order. */
function filesHash(files: readonly VersionFile[]): string {
  return sha256Hex(files.map((f) => f.sha256).join('\n'));
}

/**
 * The consolidation's expectations on what the Glue run wrote (`tables`: the columns they name, decoded by
 * readGlueOutput from each file it read; a fail throws before anything is published). Rows a drop expectation takes out cannot stay in Spark's files, and
 * a version is its folder whole: the files go, without those rows, into a folder of the Lambda's own beside
 * Spark's (`v=<id>-checked/`), and that one is published; Spark's is never published, and is swept like any
 * unpublished leftover. The same output gives the same files, quarantine and results, so a retried publication
 * writes them again and finds its version published.
 */
async function checkGlueOutput(deps: ConsolidateTableDeps, job: PartitionJob, written: Written, tables: FlatTable[]): Promise<Written> {
  const { consolidation, output } = job;
  if (consolidation.expectations.length === 0) return written;
  const version = /\/v=([^/]+)\/$/.exec(output.key)?.[1] ?? 'output';
  const check = (await checkGoldPartition(deps, consolidation, job.request, tables, version))!;
  tables.length = 0;
  if (check.droppedRows === 0) return { ...written, rows_dropped: 0, quality: check.results };
  const checkedKey = output.key.replace(/v=([^/]+)\/$/, 'v=$1-checked/');
  const lines: string[] = [];
  const files: VersionFile[] = [];
  let sample: Record<string, unknown>[] = [];
  for (const [i, f] of written.files.entries()) {
    const uri = output.store.uri(f.key);
    let bytes = await output.store.get(f.key);
    let rows = f.rows;
    const dropped = check.dropped[i]!;
    if (dropped.size > 0) {
      const kept = keptRows(readColumns(bytes, { file: uri }), dropped, (line) => lines.push(line), job.columns);
      bytes = writeColumns(kept);
      rows = kept.rowCount;
    }
    const key = `${checkedKey}${f.key.slice(output.key.length)}`;
    await output.store.put(key, bytes, { contentType: 'application/vnd.apache.parquet' });
    files.push(versionFile(key, bytes, rows));
    if (sample.length === 0)
      sample = sampleRows(readColumns(bytes, { file: output.store.uri(key) }), deps.config.limits.congregadoSampleRows);
  }
  // Beside the run's null-key rows, in the quarantine folder of Spark's version (quarantinePrefix names it).
  const quarantined = await quarantine(deps.gold, `${quarantinePrefix(job)}/expectations-00000.json`, lines);
  job.output = { store: output.store, key: checkedKey, uri: folderUri(output.store, checkedKey) };
  return {
    ...written,
    files,
    extra: [...(written.extra ?? []), quarantined],
    rows_written: written.rows_written - check.droppedRows,
    rows_invalid: written.rows_invalid + check.droppedRows,
    content_hash: filesHash(files),
    sample,
    rows_dropped: check.droppedRows,
    quality: check.results,
  };
}

/**
 * Quarantined rows as JSON lines, one `{origem, reason, row}` a line (`expectation` too for a row a drop
 * expectation took out), under `<quarantinePrefix>/`: the null-key rows in part-00000.json, which the Glue job
 * writes the same way (glue-scripts/consolidate_job.py, quarantine_rows). Returns the key.
 */
async function quarantine(gold: ObjectStore, key: string, lines: string[]): Promise<string> {
  await gold.put(key, `${lines.join('\n')}\n`, { contentType: 'application/x-ndjson' });
  return key;
}

function quarantineLine(
  origem: string,
  reason: string,
  row: Record<string, CellValue>,
  columns: TableColumn[],
  expectation?: string,
): string {
  return JSON.stringify({ origem, reason, ...(expectation !== undefined ? { expectation } : {}), row: quarantineRow(row, columns) });
}

/** The table without the rows a drop expectation took out, each of them handed to `quarantined` as a line. */
function keptRows(
  table: FlatTable,
  dropped: ReadonlyMap<number, DroppedRow>,
  quarantined: (line: string) => void,
  columns: TableColumn[],
): FlatTable {
  const kept = new Uint32Array(table.rowCount - dropped.size);
  let n = 0;
  for (let r = 0; r < table.rowCount; r++) {
    const why = dropped.get(r);
    if (!why) {
      kept[n++] = r;
      continue;
    }
    const row: Record<string, CellValue> = {};
    for (const c of table.columns) row[c.name] = cellAt(c.type, table.data[c.name], r);
    quarantined(quarantineLine(String(row[ORIGIN_COLUMN] ?? ''), why.reason, row, columns, why.expectation));
  }
  return takeRows(table, kept);
}

/**
 * A quarantined row as both engines write it: every gold column in order, null kept; timestamps as
 * ISO-8601 UTC to the microsecond (`2024-03-14T10:15:30.123456Z`), dates as `YYYY-MM-DD`, numbers as
 * JSON numbers, longs and decimals as their exact text.
 */
export function quarantineRow(row: Record<string, CellValue>, columns: TableColumn[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of columns) out[c.name] = jsonCell(row[c.name] ?? null, c);
  return out;
}

/** A cell as JSON: timestamps (epoch µs) and dates as ISO-8601 (a date as its day, or its UTC midnight), bigints as exact text. */
function jsonCell(v: CellValue, c: { type: string; scale?: number }, dateAsDay = true): unknown {
  if (typeof v === 'bigint') return c.type === 'decimal' ? decimalText(v, c.scale ?? 0) : v.toString();
  if (c.type === 'date' && (v instanceof Date || typeof v === 'number'))
    return new Date(v instanceof Date ? v.getTime() : v).toISOString().slice(0, dateAsDay ? 10 : undefined);
  if (c.type === 'timestamp' && (v instanceof Date || typeof v === 'number'))
    return timestampText(v instanceof Date ? v.getTime() * 1000 : v);
  return v instanceof Date ? v.toISOString() : v;
}

/** `_quarantine/<database>/<tabela>/anomesdia=<day>/run=<runId>/v=<version>`: the folder of the version's null-key rows, from either engine. */
function quarantinePrefix(job: PartitionJob): string {
  const { consolidation, request } = job;
  const version = /\/v=([^/]+)\/$/.exec(job.output.key)?.[1] ?? 'output';
  return `${goldLayout.quarantinePartitionPrefix(consolidation.database, consolidation.tabela_consolidada, request.anomesdia)}run=${request.runId}/v=${version}`;
}

function rulesOf(consolidation: ConsolidationConfig): ConsolidationRules {
  return {
    origens: consolidation.origens,
    chaves_principais: consolidation.chaves_principais,
    campos_decisao: consolidation.campos_decisao,
  };
}

/** The first rows (in key order) as JSON-ready objects: timestamps and dates as ISO-8601, longs and decimals as text. */
function sampleRows(table: FlatTable, limit: number): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < Math.min(limit, table.rowCount); i++) {
    const row: Record<string, unknown> = {};
    for (const c of table.columns) row[c.name] = jsonCell(cellAt(c.type, table.data[c.name], i), c, false);
    rows.push(row);
  }
  return rows;
}
