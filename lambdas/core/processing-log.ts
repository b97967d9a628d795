// The processing log (seed 002's log_processamento): each step's result as a StepRecord for the journey,
// as one structured log line, and as metrics, through small interfaces the handlers wire to Powertools.
import type { StepRecord } from '../ports/state-stores.js';
import { describeError } from './errors.js';
import { describeDrift, type SchemaDrift } from './refine/drift.js';
import type { ExpectationResult, QualitySummary } from './quality/expectations.js';
import { outcomeText } from './quality/errors.js';

/** A structured logger (Powertools Logger fits it; so does console in tests). */
export interface ProcessingLogger {
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

/** A metrics sink (Powertools Metrics' addMetric behind a dimension, or nothing). */
export interface MetricsSink {
  add(name: string, unit: 'Count' | 'Milliseconds', value: number, dimensions: Record<string, string>): void;
}

/** The fields a stage's result shares with a step summary and a StepRecord. */
export interface StepCounts {
  source: string;
  rows_read?: number;
  rows_written?: number;
  rows_invalid?: number;
  /** Refine: records that drifted from the declared fields, per field (bounded). */
  drift?: SchemaDrift;
  /** Refine: the source's data-quality expectations over its partitions; consolidate: the table's over the partition (bounded). */
  quality?: QualitySummary;
  objects?: string[];
  duration_ms?: number;
  message?: string;
}

/** What every stage's result reports, all of it. */
export type StageCounts = Required<Omit<StepCounts, 'drift' | 'quality'>> & Pick<StepCounts, 'drift' | 'quality'>;

/**
 * Objects named in a step record or summary. Records travel in the state machine's payload (256 KB for a
 * whole execution's state) and into the journey item (400 KB): a year's backfill writes thousands of
 * objects, which the bronze manifests and the catalog list anyway.
 */
export const MAX_OBJECTS_LISTED = 20;

/** The layer each stage writes (seed 002's camada). */
export const STAGE_LAYER = { ingest: 'bronze', refine: 'silver', consolidate: 'gold' } as const;
export type StageName = keyof typeof STAGE_LAYER;

/** The first MAX_OBJECTS_LISTED objects, with `objects_total` when some were left out. */
export function listedObjects(objects: readonly string[] | undefined): { objects?: string[]; objects_total?: number } {
  if (objects === undefined) return {};
  if (objects.length <= MAX_OBJECTS_LISTED) return { objects: [...objects] };
  return { objects: objects.slice(0, MAX_OBJECTS_LISTED), objects_total: objects.length };
}

/**
 * The one builder of a step's processing log entry, for the journey (the step recorder) and for the log
 * line and metrics (each stage): counts and at most MAX_OBJECTS_LISTED objects on success, the error on
 * failure, WAITING while an external job goes on.
 */
export function stepRecord(
  name: StageName,
  status: StepRecord['status'],
  counts: StepCounts,
  timing: { started_at: string; ended_at: string },
  error?: unknown,
): StepRecord {
  const duration = Date.parse(timing.ended_at) - Date.parse(timing.started_at);
  const { objects } = listedObjects(counts.objects);
  return {
    name,
    status,
    source: counts.source,
    layer: STAGE_LAYER[name],
    ...(objects ? { objects } : {}),
    ...(counts.message !== undefined ? { message: counts.message } : {}),
    started_at: timing.started_at,
    ended_at: timing.ended_at,
    duration_ms: counts.duration_ms ?? duration,
    ...(counts.rows_read !== undefined ? { rows_read: counts.rows_read } : {}),
    ...(counts.rows_written !== undefined ? { rows_written: counts.rows_written } : {}),
    ...(counts.rows_invalid !== undefined ? { rows_invalid: counts.rows_invalid } : {}),
    ...(counts.drift !== undefined ? { drift: counts.drift } : {}),
    ...(counts.quality !== undefined ? { quality: counts.quality } : {}),
    ...(error !== undefined ? { error: describeError(error) } : {}),
  };
}

/** A stage's successful result as its processing log entry; `ended_at` defaults to start + duration. */
export function toStepRecord(name: StageName, result: StepCounts, timing: { started_at: string; ended_at?: string }): StepRecord {
  const ended = timing.ended_at ?? new Date(Date.parse(timing.started_at) + (result.duration_ms ?? 0)).toISOString();
  return stepRecord(name, 'SUCCEEDED', result, { started_at: timing.started_at, ended_at: ended });
}

/** A failed stage as its processing log entry. */
export function failedStepRecord(
  name: StageName,
  source: string,
  error: unknown,
  timing: { started_at: string; ended_at: string },
): StepRecord {
  return stepRecord(name, 'FAILED', { source }, timing, error);
}

/** Logs a stage's failure as its processing-log record (one error line, the StepFailed metric); the caller rethrows. */
export function logFailedStep(
  observers: { log?: ProcessingLogger; metrics?: MetricsSink },
  name: StageName,
  source: string,
  error: unknown,
  timing: { started: Date; ended: Date },
): void {
  logProcessamento(
    observers.log,
    observers.metrics,
    failedStepRecord(name, source, error, { started_at: timing.started.toISOString(), ended_at: timing.ended.toISOString() }),
  );
}

/**
 * Emits a step record as one `log_processamento` line, in the seed's vocabulary (tipo_payload, camada,
 * nome_arquivo, registros_processados...), beside the English names the journey stores, and as metrics.
 */
export function logProcessamento(log: ProcessingLogger | undefined, metrics: MetricsSink | undefined, record: StepRecord): void {
  const attributes = {
    log_processamento: {
      etapa: record.name,
      tipo_payload: record.source,
      camada: record.layer,
      nome_arquivo: record.objects,
      status: record.status,
      mensagem: record.message ?? record.error,
      duracao_ms: record.duration_ms,
      registros_lidos: record.rows_read,
      registros_processados: record.rows_written,
      registros_invalidos: record.rows_invalid,
      desvio_esquema: record.drift,
      qualidade: record.quality,
    },
    step: record,
  };
  if (record.status === 'FAILED') log?.error(`${record.name} ${record.source ?? ''} failed`, attributes);
  else log?.info(`${record.name} ${record.source ?? ''} ${record.status.toLowerCase()}`, attributes);
  if (!metrics) return;
  const dimensions = { step: record.name, source: record.source ?? 'unknown' };
  if (record.duration_ms !== undefined) metrics.add('StepDuration', 'Milliseconds', record.duration_ms, dimensions);
  if (record.rows_read !== undefined) metrics.add('RowsRead', 'Count', record.rows_read, dimensions);
  if (record.rows_written !== undefined) metrics.add('RowsWritten', 'Count', record.rows_written, dimensions);
  if (record.rows_invalid !== undefined) metrics.add('RowsInvalid', 'Count', record.rows_invalid, dimensions);
  if (record.status === 'FAILED') metrics.add('StepFailed', 'Count', 1, dimensions);
}

/**
 * A refine's schema drift, by the source's `onDrift`: warn (the default) logs one warning line naming the
 * fields and emits SchemaDriftRecords (0 without drift, so that a graph has points); ignore leaves it to the
 * step record; fail never gets here with drift (the refine failed).
 */
export function logDrift(
  log: ProcessingLogger | undefined,
  metrics: MetricsSink | undefined,
  source: { name: string; onDrift?: 'ignore' | 'warn' | 'fail' | undefined },
  drift: SchemaDrift | undefined,
): void {
  if (source.onDrift === 'ignore') return;
  metrics?.add('SchemaDriftRecords', 'Count', drift?.records ?? 0, { step: 'refine', source: source.name });
  if (drift)
    log?.warn(
      `refine ${source.name}: ${drift.records} record(s) drifted from the declared fields: ${describeDrift(drift)}; declare the fields or set onDrift`,
      { drift, source: source.name },
    );
}

/**
 * A partition's expectations: ExpectationFailedRows per expectation (0 when it held, so that a graph has points),
 * and one warning naming those that did not hold, with every result as attributes.
 */
export function logExpectations(
  log: ProcessingLogger | undefined,
  metrics: MetricsSink | undefined,
  step: 'refine' | 'consolidate',
  source: string,
  anomesdia: string,
  results: readonly ExpectationResult[],
): void {
  for (const r of results) metrics?.add('ExpectationFailedRows', 'Count', r.rows_failed, { step, source, expectation: r.expectation });
  const failed = results.filter((r) => !r.passed);
  if (failed.length > 0)
    log?.warn(
      `${step} ${source} anomesdia ${anomesdia}: ${failed
        .map((r) => `expectation "${r.expectation}" (${r.rule}, ${r.action}) failed ${outcomeText(r)}`)
        .join('; ')}`,
      { qualidade: results, source, anomesdia },
    );
}
