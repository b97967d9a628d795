// Refine step: rebuilds each silver partition of a source from all of that day's committed bronze
// records: typed per the declared fields, required fields enforced, exact duplicates dropped, invalid
// rows quarantined with their reasons, the source's data-quality expectations checked (core/quality/), valid
// rows written as snappy Parquet under a run folder that the catalog partition then points at. Older run
// folders go only after the catalog moved on.

import { PARTITION_COLUMN, findSource, type SourceConfig } from '../config.js';
import { silverLayout, silverTable } from '../lake/layout.js';
import { ConservationError } from '../lake/errors.js';
import { newVersionId, publishPartition, publicationDeps, tablePartition, versionFile } from '../lake/publication.js';
import type { VersionFile } from '../../ports/partition-versions.js';
import { silverColumns, silverFields } from '../lake/tables.js';

import { RUN_ID_PATTERN } from '../ingest/bronze-layout.js';
import { logDrift, logFailedStep, logProcessamento, toStepRecord } from '../processing-log.js';
import { committedParts, parseBronzeLine, readParts, type CommittedBronze } from './bronze-reader.js';
import { compileRowCoercer, type PlainValue } from './coerce.js';
import { DuplicateFinder, hashValues } from './duplicates.js';
import { RowStore } from './row-store.js';
import { writeColumns } from '../columnar/writer.js';
import type { FlatColumnData, FlatTable, TableColumn } from '../columnar/types.js';
import { RefineInputError, SchemaDriftError } from './errors.js';
import { DriftCounter, describeDrift, extraJson, mergeDrift, type SchemaDrift } from './drift.js';
import type { QuarantineEntry, RefineDeps, RefineInput, RefinePartitionResult, RefineResult } from './types.js';
import { faultPoint } from '../faults.js';
import {
  compileExpectations,
  silverRecord,
  sourceExpectations,
  summariseQuality,
  type ExpectationResult,
} from '../quality/expectations.js';
import { checkPartition } from '../quality/results.js';

const ANOMESDIA = /^\d{8}$/;

export async function refineSource(deps: RefineDeps, input: RefineInput): Promise<RefineResult> {
  const clock = deps.clock ?? (() => new Date());
  const started = clock();
  const source = findSource(deps.config, input.source);
  try {
    if (!RUN_ID_PATTERN.test(input.runId))
      throw new RefineInputError(`Run id "${input.runId}" cannot name silver objects; use letters, digits, ".", "_" and "-"`);
    const bad = input.anomesdias.find((d) => !ANOMESDIA.test(d));
    if (bad !== undefined) throw new RefineInputError(`anomesdia "${bad}" of source ${source.name} is not yyyymmdd`);
    const partitions: RefinePartitionResult[] = [];
    // One day at a time: a day's rows are held in memory to be sorted and deduplicated. The next day's
    // first parts are read and decompressed meanwhile.
    const days = [...new Set(input.anomesdias)].sort();
    const open = (anomesdia: string) => {
      const opened = committedParts(deps.bronze, source.name, anomesdia).then((committed) => ({
        ...committed,
        reader: readParts(deps.bronze, committed.parts),
      }));
      opened.catch(() => undefined);
      return opened;
    };
    let opening = days.length > 0 ? open(days[0]!) : undefined;
    for (const [i, anomesdia] of days.entries()) {
      const current = await opening!;
      opening = i + 1 < days.length ? open(days[i + 1]!) : undefined;
      const result = await refinePartition(deps, source, input.runId, anomesdia, current);
      if (result) partitions.push(result);
    }
    const result = summarise(source, input, partitions, clock().getTime() - started.getTime());
    logProcessamento(deps.log, deps.metrics, toStepRecord('refine', result, { started_at: started.toISOString() }));
    logDrift(deps.log, deps.metrics, source, result.drift);
    return result;
  } catch (err) {
    logFailedStep(deps, 'refine', source.name, err, { started, ended: clock() });
    throw err;
  }
}

function summarise(source: SourceConfig, input: RefineInput, partitions: RefinePartitionResult[], durationMs: number): RefineResult {
  const sum = (pick: (p: RefinePartitionResult) => number) => partitions.reduce((n, p) => n + pick(p), 0);
  const quarantine = partitions.flatMap((p) => (p.quarantine ? [p.quarantine] : []));
  const rows_read = sum((p) => p.rows_read);
  const rows_written = sum((p) => p.rows_written);
  const rows_invalid = sum((p) => p.rows_invalid);
  const rows_duplicate = sum((p) => p.rows_duplicate);
  const drift = mergeDrift(partitions.map((p) => p.drift));
  const quality = summariseQuality(partitions.map((p) => p.expectations));
  return {
    source: source.name,
    runId: input.runId,
    rows_read,
    rows_written,
    rows_invalid,
    rows_duplicate,
    ...(drift ? { drift } : {}),
    ...(quality ? { quality } : {}),
    anomesdias: partitions.map((p) => p.anomesdia),
    partitions,
    // Quarantine files first: a step record lists only the first objects, and these are the ones a person looks for.
    objects: [...quarantine, ...partitions.flatMap((p) => p.objects)],
    ...(quarantine.length > 0 ? { quarantine } : {}),
    duration_ms: durationMs,
    message:
      `${rows_read} bronze records in ${partitions.length} partition(s): ${rows_written} silver rows, ${rows_invalid} quarantined, ${rows_duplicate} exact duplicates dropped` +
      (partitions.length < input.anomesdias.length
        ? `; ${input.anomesdias.length - partitions.length} partition(s) had no bronze records`
        : '') +
      partitions
        .filter((p) => p.superseded_by)
        .map((p) => `; anomesdia ${p.anomesdia} not published: ${p.books.split('; not published: ')[1]}`)
        .join(''),
  };
}

/** Rebuilds one partition in three phases: its valid rows from committed bronze, its Parquet parts, its publication. */
async function refinePartition(
  deps: RefineDeps,
  source: SourceConfig,
  runId: string,
  anomesdia: string,
  opened: OpenedPartition,
): Promise<RefinePartitionResult | undefined> {
  if (opened.parts.length === 0) return undefined;
  const clock = deps.clock ?? (() => new Date());
  const partition = `${source.name} anomesdia=${anomesdia}`;
  const valid = await readValidRows(deps, source, runId, anomesdia, opened);
  // Conservation: every committed bronze record was read, and each went to silver, to quarantine or out as a duplicate.
  if (valid.read !== opened.records)
    throw new ConservationError(
      `bronze ${partition}`,
      `${opened.records} committed records`,
      `${valid.read} lines`,
      'a committed bronze part is missing or cut short',
    );
  if (valid.drift && source.onDrift === 'fail')
    throw new SchemaDriftError(source.name, anomesdia, describeDrift(valid.drift), valid.drift.records);
  const expectations = await checkExpectations(deps, source, runId, anomesdia, valid);
  const books = `${valid.read} bronze = ${valid.order.length} silver + ${valid.duplicates} duplicates + ${valid.quarantine.length} quarantined`;
  const versionId = newVersionId(clock);
  const files = await writeParts(deps, source, runId, anomesdia, versionId, valid);
  const quarantineKey = silverLayout.quarantine(source.name, anomesdia, runId, versionId);
  if (valid.quarantine.length > 0)
    await deps.silver.put(quarantineKey, valid.quarantine.join('\n') + '\n', { contentType: 'application/x-ndjson' });
  const table = silverTable(deps.config, source);
  await faultPoint('refine:before-publish');
  const outcome = await publishPartition(publicationDeps(deps, deps.silver, clock), {
    ...tablePartition('silver', table, { [PARTITION_COLUMN]: anomesdia }),
    partitionPrefix: silverLayout.partitionPrefix(source.name, anomesdia),
    versionPrefix: silverLayout.versionPrefix(source.name, anomesdia, runId, versionId),
    runId,
    inputs: { bronze_commits: opened.commits },
    files,
    ...(valid.quarantine.length > 0 ? { extra: [quarantineKey] } : {}),
    extraPrefix: silverLayout.quarantinePartitionPrefix(source.name, anomesdia),
  });
  const objects = files.map((f) => f.key);
  if (!outcome.published) {
    // Another execution published a version built from more bronze meanwhile: that one stands.
    return {
      anomesdia,
      rows_read: valid.read,
      rows_written: 0,
      rows_invalid: 0,
      rows_duplicate: 0,
      location: outcome.current.location,
      objects: [],
      superseded_by: outcome.current.run_id,
      ...(valid.drift ? { drift: valid.drift } : {}),
      ...(expectations ? { expectations } : {}),
      books: `${books}; not published: run ${outcome.current.run_id} published a version built from ${outcome.current.inputs.bronze_commits} bronze commits (this one read ${opened.commits})`,
    };
  }
  return {
    anomesdia,
    rows_read: valid.read,
    rows_written: valid.order.length,
    rows_invalid: valid.quarantine.length,
    rows_duplicate: valid.duplicates,
    location: outcome.record.location,
    objects,
    books,
    ...(valid.quarantine.length > 0 ? { quarantine: quarantineKey } : {}),
    ...(valid.drift ? { drift: valid.drift } : {}),
    ...(expectations ? { expectations } : {}),
  };
}

/**
 * The source's expectations on the partition's kept rows, before anything of it is written (quality/results.ts):
 * rows a drop expectation breaks leave `valid.order` for its quarantine (so the books still balance); a fail
 * expectation that does not hold throws, and nothing of the partition is published. Nothing runs for a source
 * without expectations.
 */
async function checkExpectations(
  deps: RefineDeps,
  source: SourceConfig,
  runId: string,
  anomesdia: string,
  valid: ValidRows,
): Promise<ExpectationResult[] | undefined> {
  const compiled = compileExpectations(sourceExpectations(source), deps.config.schedules.businessTimezone);
  if (!compiled) return undefined;
  const table = silverTable(deps.config, source);
  const quality = await checkPartition(
    deps,
    compiled,
    {
      table: { layer: 'silver', name: source.name },
      step: 'refine',
      runId,
      anomesdia,
      previousDayPartition: (day) => tablePartition('silver', table, { [PARTITION_COLUMN]: day }).partition,
    },
    valid.rows,
    valid.order,
  );
  if (quality.dropped.size > 0) {
    const fields = silverFields(source);
    for (const [row, { field, reason }] of quality.dropped) {
      const entry: QuarantineEntry = {
        source: source.name,
        anomesdia,
        run_id: runId,
        bronze_object: valid.located!.parts[valid.located!.part[row]!]!,
        line: valid.located!.line[row]!,
        field,
        reason,
        errors: [{ field, reason }],
        _content_hash: valid.rows.contentHashes[row]!,
        record: silverRecord(fields, valid.rows.row(row)),
      };
      valid.quarantine.push(JSON.stringify(entry));
    }
    valid.order = valid.order.filter((row) => !quality.dropped.has(row));
  }
  return quality.results;
}

interface OpenedPartition extends CommittedBronze {
  reader: ReturnType<typeof readParts>;
}

/** A partition's valid rows, deduplicated and in file order, and what was quarantined or dropped on the way. */
interface ValidRows {
  rows: RowStore;
  /** Row indexes of the kept rows, sorted by the source's time field. */
  order: Uint32Array;
  /** Quarantine entries as JSON lines. */
  quarantine: string[];
  read: number;
  duplicates: number;
  drift: SchemaDrift | undefined;
  /** Where each row came from (bronze part, 1-based line), kept only for a source with drop expectations: their quarantine entries name it. */
  located?: { parts: string[]; part: number[]; line: number[] };
}

/** Every committed bronze line of the partition, coerced to the declared fields: invalid ones to quarantine, exact duplicates dropped. */
async function readValidRows(
  deps: RefineDeps,
  source: SourceConfig,
  runId: string,
  anomesdia: string,
  { reader }: OpenedPartition,
): Promise<ValidRows> {
  const coerce = compileRowCoercer(source.fields, deps.config.schedules.businessTimezone);
  const drift = new DriftCounter(source.fields);
  // keepExtra: the record's undeclared keys are one more value of the row, after its declared fields.
  const stored = silverFields(source);
  const values = new Array<PlainValue>(stored.length).fill(null);
  const rows = new RowStore(stored);
  const quarantine: string[] = [];
  const kept = new DuplicateFinder(rows);
  let read = 0;
  let duplicates = 0;
  let ingestedText = '';
  let ingestedMs = Number.NaN;
  const located = source.expectations.some((e) => e.action === 'drop')
    ? { parts: [] as string[], part: [] as number[], line: [] as number[] }
    : undefined;
  for await (const { part, lines } of reader) {
    const uri = deps.bronze.uri(part.key);
    located?.parts.push(part.key);
    for (let i = 0; i < lines.length; i++) {
      read++;
      const line = parseBronzeLine(lines.line(i), uri, i + 1);
      const undeclared = drift.count(line.record);
      const issues = coerce(line.record, values);
      if (issues) {
        const first = issues[0]!;
        const entry: QuarantineEntry = {
          source: source.name,
          anomesdia,
          run_id: runId,
          bronze_object: part.key,
          line: i + 1,
          field: first.field,
          reason: first.reason,
          errors: issues,
          _content_hash: line._content_hash,
          record: line.record,
        };
        quarantine.push(JSON.stringify(entry));
        continue;
      }
      if (stored !== source.fields) values[source.fields.length] = undeclared ? extraJson(line.record, drift.declared) : null;
      // A part's lines share one ingestion instant: parsed once.
      if (line._ingested_at !== ingestedText) {
        ingestedText = line._ingested_at;
        ingestedMs = Date.parse(ingestedText);
      }
      const at = rows.append(values, hashValues(values), line._content_hash, ingestedMs, part.runId);
      if (located) {
        located.part[at] = located.parts.length - 1;
        located.line[at] = i + 1;
      }
      // Exact duplicates (equal in every declared field): the first ingested wins, then the smaller hash.
      const other = kept.add(at);
      if (other !== undefined) {
        duplicates++;
        if (prefer(rows, at, other)) kept.replace(other, at);
        else rows.pop();
      }
    }
  }
  return {
    rows,
    order: sortRows(rows, kept.indexes(), sortColumn(source)),
    quarantine,
    read,
    duplicates,
    drift: drift.result(),
    ...(located ? { located } : {}),
  };
}

/** The kept rows as Parquet parts of at most `rowsPerFile` rows in the new version's folder; an empty partition still gets one (empty) part. */
async function writeParts(
  deps: RefineDeps,
  source: SourceConfig,
  runId: string,
  anomesdia: string,
  versionId: string,
  { rows, order }: ValidRows,
): Promise<VersionFile[]> {
  const prefix = silverLayout.versionPrefix(source.name, anomesdia, runId, versionId);
  const columns = silverColumns(source);
  const rowsPerFile = Math.max(1, deps.rowsPerFile ?? 500_000);
  const files: VersionFile[] = [];
  for (let from = 0, n = 0; from < order.length || n === 0; from += rowsPerFile, n++) {
    const key = `${prefix}part-${String(n).padStart(5, '0')}.parquet`;
    const slice = order.subarray(from, from + rowsPerFile);
    const table = silverPart(columns, silverFields(source).length, rows, slice);
    const bytes = writeColumns(table, {
      rowGroupSize: 100_000,
      kvMetadata: [
        { key: 'medallion.source', value: source.name },
        { key: 'medallion.run_id', value: runId },
      ],
    });
    await deps.silver.put(key, bytes, { contentType: 'application/vnd.apache.parquet' });
    files.push(versionFile(key, bytes, slice.length));
  }
  return files;
}

function prefer(rows: RowStore, a: number, b: number): boolean {
  const ta = rows.ingestedAtOf(a);
  const tb = rows.ingestedAtOf(b);
  return ta !== tb ? ta < tb : rows.contentHashes[a]! < rows.contentHashes[b]!;
}

/** The field rows are ordered by: the partition field, else the watermark field. */
function sortColumn(source: SourceConfig): number {
  const name = source.partitionField ?? source.watermarkField;
  return source.fields.findIndex((f) => f.name === name);
}

/** Row indexes ordered by the sort field (nulls first), then content hash: the same rows give the same file. */
function sortRows(rows: RowStore, order: Uint32Array, column: number): Uint32Array {
  const key = column < 0 ? () => null : rows.sortKey(column);
  const hashes = rows.contentHashes;
  return order.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka !== kb) {
      if (ka === null) return -1;
      if (kb === null) return 1;
      return ka < kb ? -1 : 1;
    }
    const ha = hashes[a]!;
    const hb = hashes[b]!;
    return ha < hb ? -1 : ha > hb ? 1 : 0;
  });
}

/** The rows at `order` as a silver table part (declared fields, then lineage). */
function silverPart(columns: TableColumn[], fieldCount: number, rows: RowStore, order: Uint32Array): FlatTable {
  const data: Record<string, FlatColumnData> = {};
  columns.forEach((c, j) => {
    data[c.name] =
      j < fieldCount ? rows.fieldColumn(j, order) : rows.lineageColumn(c.name as '_content_hash' | '_ingested_at' | '_run_id', order);
  });
  return { columns, data, rowCount: order.length };
}
