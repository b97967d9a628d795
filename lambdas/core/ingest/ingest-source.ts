// Ingest step: one source's window into bronze (HTTP pages, or the pending/ file drop), deduplicated by
// content hash, committed by hash indexes and described by a run manifest. The watermark is not moved
// here: the Complete step advances it to `watermark_candidate` once the whole run is safe.
import type { ObjectStore } from '../../ports/object-store.js';
import { ObjectExistsError, ObjectNotFoundError } from '../../ports/errors.js';

import { findSource, type PipelineConfig, type SourceConfig } from '../config.js';
import type { RunWindow } from '../window.js';
import { AnomesdiaAssigner } from './anomesdia.js';
import { RUN_ID_PATTERN, bronzeKeys, fileDropKeys } from './bronze-layout.js';
import { BronzeWriter, type BronzeCommit, type BronzeRecordInput } from './bronze-writer.js';
import { IngestInputError, UnreadableFileError } from './errors.js';
import { boundedName, freeTarget, listPending, moveWithoutOverwrite, parseDroppedFile, reasonKey } from './file-drop.js';
import type { FetchFn } from './http-client.js';
import { paginate, RepeatedPageGuard } from './pagination.js';
import { logFailedStep, logProcessamento, toStepRecord } from '../processing-log.js';
import { silentProgress } from './progress.js';
import type { FutureRecords, IngestDeps, IngestInput, IngestResult, RunManifest } from './types.js';
import { WatermarkTracker } from './watermark.js';
import { faultPoint } from '../faults.js';

/** Records handed to the bronze writer at a time when reading a dropped file. */
const FILE_CHUNK = 5_000;

export async function ingestSource(deps: IngestDeps, input: IngestInput): Promise<IngestResult> {
  const clock = clockOf(deps);
  const started = clock();
  const source = findSource(deps.config, input.source);
  validateInput(input);
  const progress = deps.progress ?? silentProgress;
  progress.start(source.name, { kind: source.kind });
  let pagesSoFar = 0;
  let recordsSoFar = 0;
  try {
    const result =
      source.kind === 'http'
        ? await ingestHttp(deps, source, input, started, (p, r) => ((pagesSoFar = p), (recordsSoFar = r)))
        : await ingestFiles(deps, source, input, started);
    progress.finish(source.name, { status: 'SUCCEEDED', pages: result.pages, records: result.records_seen, message: result.message });
    logProcessamento(deps.log, deps.metrics, ingestStepRecord(result, started.toISOString()));
    return result;
  } catch (err) {
    progress.finish(source.name, {
      status: 'FAILED',
      pages: pagesSoFar,
      records: recordsSoFar,
      message: err instanceof Error ? err.message : String(err),
    });
    logFailedStep(deps, 'ingest', source.name, err, { started, ended: clock() });
    throw err;
  }
}

/** The ingest result as its processing log entry (StepRecord). */
export function ingestStepRecord(result: IngestResult, startedAt: string) {
  return toStepRecord('ingest', result, { started_at: startedAt });
}

function clockOf(deps: IngestDeps): () => Date {
  return deps.clock ?? (() => new Date());
}

function validateInput(input: IngestInput): void {
  if (!RUN_ID_PATTERN.test(input.runId))
    throw new IngestInputError(`Run id "${input.runId}" cannot name bronze objects; use letters, digits, ".", "_" and "-" (at most 128)`);
  const from = Date.parse(input.window.from);
  const to = Date.parse(input.window.to);
  if (Number.isNaN(from) || Number.isNaN(to))
    throw new IngestInputError(`Window ${input.window.from} .. ${input.window.to} is not two ISO-8601 instants`);
  if (from > to)
    throw new IngestInputError(
      `Window starts (${input.window.from}) after it ends (${input.window.to}); the Plan step computes windows as [from, to)`,
    );
}

/** Partition days of records, with the day of the window's end for a record whose partition field is no time. */
function partitioner(config: PipelineConfig, source: SourceConfig, window: RunWindow, now: Date) {
  const field = source.partitionField ?? source.watermarkField;
  const assigner = new AnomesdiaAssigner(config.schedules.businessTimezone, source.fields.find((f) => f.name === field)?.format);
  // Refine quarantines such a record (its field is a required timestamp); it needs a partition to be found in.
  const fallback = assigner.ofInstant(Math.min(Date.parse(window.to), now.getTime()) - 1);
  return (record: Record<string, unknown>): BronzeRecordInput => ({ record, anomesdia: assigner.of(record[field]) ?? fallback });
}

async function ingestHttp(
  deps: IngestDeps,
  source: SourceConfig,
  input: IngestInput,
  started: Date,
  onProgress: (pages: number, records: number) => void,
): Promise<IngestResult> {
  const { config } = deps;
  const http = source.http!;
  const limits = config.limits;
  const headers: Record<string, string> = { accept: 'application/json' };
  for (const [name, value] of Object.entries(http.headers))
    headers[name.toLowerCase()] =
      typeof value === 'string' ? value : `${value.prefix ?? ''}${await deps.secrets.getSecret(value.secretName)}`;
  // The token last: an auth header set statically as well is the secret's, not the config's literal.
  if (http.authSecretName) {
    const token = await deps.secrets.getSecret(http.authSecretName);
    headers[http.authHeader.toLowerCase()] = http.authScheme ? `${http.authScheme} ${token}` : token;
  }
  const writer = newWriter(deps, source, input, started);
  const assign = partitioner(config, source, input.window, started);
  const progress = deps.progress ?? silentProgress;
  let pages = 0;
  let records = 0;
  let totalPages: number | undefined;
  let totalRecords: number | undefined;
  const fetchFn: FetchFn = deps.fetch ?? ((url, init) => fetch(url, init));
  const repeats = new RepeatedPageGuard(source.name, http);
  const watermark = new WatermarkTracker(source.watermarkField, input.window.to, started, false);
  for await (const page of paginate({
    source: source.name,
    http,
    window: input.window,
    fetch: fetchFn,
    headers,
    timeoutMs: http.timeoutMs ?? limits.httpTimeoutMs,
    retry: limits.retry,
    pagesInFlight: http.pagesInFlight ?? limits.httpPagesInFlight,
    maxPages: http.maxPages ?? limits.maxPagesPerRun,
    timezone: config.schedules.businessTimezone,
    onRetry: (n) => deps.log?.warn(`ingest ${source.name}: retrying page`, { ...n }),
  })) {
    pages++;
    records += page.records.length;
    totalPages ??= page.totalPages;
    totalRecords ??= page.totalRecords;
    const items = new Array<BronzeRecordInput>(page.records.length);
    for (let i = 0; i < page.records.length; i++) {
      items[i] = assign(page.records[i]!);
      watermark.observe(page.records[i]!, () => `page ${page.number} record ${i + 1}`);
    }
    // A loop fails the run here: the page's records are buffered, never committed.
    repeats.check(page, (await writer.addAll(items)).fingerprint);
    onProgress(pages, records);
    progress.update(source.name, { pages, records, totalPages, totalRecords });
  }
  const commit = await writer.commit();
  await faultPoint('ingest:after-index');
  // The API was asked for the window: its end is what the run covered, records' own times aside.
  return finish(deps, source, input, started, commit, { pages, watermark: watermark.windowEnd(), future: watermark.future() });
}

async function ingestFiles(deps: IngestDeps, source: SourceConfig, input: IngestInput, started: Date): Promise<IngestResult> {
  const { bronze } = deps;
  const progress = deps.progress ?? silentProgress;
  const writer = newWriter(deps, source, input, started);
  const assign = partitioner(deps.config, source, input.window, started);
  const pending = await listPending(bronze, source.name);
  const readable: { name: string; key: string; records: number }[] = [];
  const errors: NonNullable<RunManifest['errors']> = [];
  const watermark = new WatermarkTracker(source.watermarkField, input.window.to, started, true);
  let records = 0;
  for (const [i, file] of pending.entries()) {
    let rows: Record<string, unknown>[];
    try {
      rows = parseDroppedFile(file.key, await bronze.get(file.key), source.files?.format ?? 'ndjson');
    } catch (err) {
      // Another execution took the file between the listing and now: it commits the rows, and moves it.
      if (err instanceof ObjectNotFoundError) continue;
      if (!(err instanceof UnreadableFileError)) throw err;
      // The reason first: a crash before the move leaves the file in pending/ to be tried again.
      const movedTo = await freeTarget(bronze, fileDropKeys.error(source.name, boundedName(file.name)), input.runId);
      await bronze.put(
        reasonKey(movedTo),
        `${err.reason}\n(file ${file.key}, source ${source.name}, run ${input.runId}, ${clockOf(deps)().toISOString()})\n`,
        { contentType: 'text/plain; charset=utf-8' },
      );
      try {
        await bronze.move(file.key, movedTo);
      } catch (moveError) {
        // Another execution moved it to error/ meanwhile, with its own reason file: this one's goes.
        if (!(moveError instanceof ObjectNotFoundError)) throw moveError;
        await bronze.delete([reasonKey(movedTo)]);
        continue;
      }
      errors.push({ name: file.name, reason: err.reason, moved_to: movedTo });
      deps.log?.warn(`ingest ${source.name}: unreadable file moved to error/`, { file: file.key, reason: err.reason, moved_to: movedTo });
      continue;
    }
    rows.forEach((row, n) => watermark.observe(row, () => `${file.name} record ${n + 1}`));
    for (let at = 0; at < rows.length; at += FILE_CHUNK) await writer.addAll(rows.slice(at, at + FILE_CHUNK).map(assign));
    records += rows.length;
    readable.push({ name: file.name, key: file.key, records: rows.length });
    progress.update(source.name, { pages: i + 1, records, totalPages: pending.length });
  }
  // Only now are the files' rows committed; a crash before the moves leaves them in pending/, and the
  // rerun finds every row already in bronze (same content hashes) and just moves them.
  const commit = await writer.commit();
  await faultPoint('ingest:after-index');
  const files: NonNullable<RunManifest['files']> = readable.map((f) => ({
    name: f.name,
    records: f.records,
    moved_to: fileDropKeys.done(source.name, f.name),
  }));
  const result = await finish(deps, source, input, started, commit, {
    pages: pending.length,
    watermark: watermark.latestRecord(),
    future: watermark.future(),
    files,
    errors,
  });
  await faultPoint('ingest:before-file-move');
  const done: string[] = [];
  for (const [i, f] of readable.entries()) {
    try {
      const movedTo = await moveWithoutOverwrite(bronze, f.key, fileDropKeys.done(source.name, f.name), input.runId);
      files[i]!.moved_to = movedTo;
      done.push(movedTo);
    } catch (err) {
      // Another execution that read the same file moved it after committing it; its rows are in bronze either way.
      if (!(err instanceof ObjectNotFoundError)) throw err;
      files[i]!.moved_to = 'moved by another execution';
    }
  }
  result.files = { done, error: errors.map((e) => e.moved_to) };
  return result;
}

function newWriter(deps: IngestDeps, source: SourceConfig, input: IngestInput, started: Date): BronzeWriter {
  return new BronzeWriter({
    store: deps.bronze,
    source: source.name,
    runId: input.runId,
    ingestedAt: started.toISOString(),
    recordsPerFile: deps.config.limits.bronzeRecordsPerFile,
    gzipLevel: deps.tuning?.gzipLevel,
    maxBufferedBytes: deps.tuning?.maxBufferedBytes,
  });
}

async function finish(
  deps: IngestDeps,
  source: SourceConfig,
  input: IngestInput,
  started: Date,
  commit: BronzeCommit,
  extra: {
    pages: number;
    watermark: string;
    future?: FutureRecords;
    files?: RunManifest['files'];
    errors?: RunManifest['errors'];
  },
): Promise<IngestResult> {
  const clock = clockOf(deps);
  const ended = clock();
  const manifest: RunManifest = {
    version: 1,
    source: source.name,
    kind: source.kind,
    runId: input.runId,
    attempt: 1,
    window: input.window,
    started_at: started.toISOString(),
    ended_at: ended.toISOString(),
    duration_ms: ended.getTime() - started.getTime(),
    pages: extra.pages,
    records_seen: commit.records_seen,
    records_new: commit.records_new,
    records_duplicate: commit.records_duplicate,
    partitions: commit.partitions,
    ...(extra.files ? { files: extra.files } : {}),
    ...(extra.errors ? { errors: extra.errors } : {}),
    ...(extra.future ? { future_records: extra.future } : {}),
    watermark_candidate: extra.watermark,
  };
  const manifestKey = await writeManifest(deps.bronze, manifest);
  await faultPoint('ingest:after-manifest');
  if (extra.future)
    deps.log?.warn(`ingest ${source.name}: records dated in the future did not move the watermark`, {
      ...extra.future,
      watermark_candidate: extra.watermark,
      manifest: manifestKey,
    });
  const objects = [...commit.objects, manifestKey];
  const anomesdias = commit.partitions.map((p) => p.anomesdia);
  const message =
    `${commit.records_seen} records in ${extra.pages} ${source.kind === 'http' ? 'pages' : 'files'}: ${commit.records_new} new, ${commit.records_duplicate} already in bronze` +
    (extra.errors?.length ? `; ${extra.errors.length} unreadable file(s) moved to error/` : '') +
    (extra.future
      ? `; ${extra.future.count} record(s) dated after the run started (${extra.future.after}), listed in the manifest: the watermark stays at ${extra.watermark}`
      : '') +
    (objects.length > 100 ? `; ${objects.length} objects, listed in ${manifestKey}` : '');
  return {
    source: source.name,
    runId: input.runId,
    kind: source.kind,
    window: input.window,
    records_seen: commit.records_seen,
    records_new: commit.records_new,
    records_duplicate: commit.records_duplicate,
    pages: extra.pages,
    anomesdias,
    partitions: commit.partitions.map((p) => ({
      anomesdia: p.anomesdia,
      records_seen: p.records_seen,
      records_new: p.records_new,
      records_duplicate: p.records_duplicate,
    })),
    manifest: manifestKey,
    watermark_candidate: extra.watermark,
    rows_read: commit.records_seen,
    rows_written: commit.records_new,
    // Unreadable files are counted in the message and the manifest: their rows could not be counted.
    rows_invalid: 0,
    // The result travels in the state machine's payload (256 KB): the manifest keeps the full list.
    objects: objects.length > 100 ? [...objects.slice(0, 99), manifestKey] : objects,
    duration_ms: clock().getTime() - started.getTime(),
    message,
  };
}

/** Writes the manifest under the first free attempt number, never over an earlier attempt's. */
async function writeManifest(store: ObjectStore, manifest: RunManifest): Promise<string> {
  for (let attempt = 1; attempt < 1000; attempt++) {
    const key = bronzeKeys.manifest(manifest.source, manifest.runId, attempt);
    try {
      await store.put(key, JSON.stringify({ ...manifest, attempt }, null, 2), { contentType: 'application/json', ifNoneMatch: true });
      manifest.attempt = attempt;
      return key;
    } catch (err) {
      if (!(err instanceof ObjectExistsError)) throw err;
    }
  }
  throw new IngestInputError(`Run ${manifest.runId} of source ${manifest.source} has 999 manifests already; start a new run id`);
}

/** The manifests of one run id, every attempt. */
export async function readRunManifests(store: ObjectStore, source: string, runId: string): Promise<RunManifest[]> {
  const out: RunManifest[] = [];
  const first = bronzeKeys.manifest(source, runId, 1);
  const stem = first.slice(0, -'.json'.length);
  for await (const o of store.list(stem)) {
    if (o.key === first || o.key.startsWith(`${stem}.attempt-`))
      out.push(JSON.parse(new TextDecoder().decode(await store.get(o.key))) as RunManifest);
  }
  return out.sort((a, b) => a.attempt - b.attempt);
}
