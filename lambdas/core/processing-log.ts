// The processing log (seed 002's log_processamento): each step's result as a StepRecord for the journey,
// as one structured log line, and as metrics, through small interfaces the handlers wire to Powertools.
import type { StepRecord } from '../ports/state-stores.js';

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

export const silentLogger: ProcessingLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** The fields ingest and refine results share with SourceStepSummary and StepRecord. */
export interface StepCounts {
  source: string;
  rows_read: number;
  rows_written: number;
  rows_invalid: number;
  objects: string[];
  duration_ms: number;
  message: string;
}

/** Objects kept in a step record: the journey item has a size limit, the manifest has the full list. */
export const STEP_RECORD_MAX_OBJECTS = 100;

/** The layer each step writes. */
const LAYER = { ingest: 'bronze', refine: 'silver', consolidate: 'gold' } as const;

/** A step result as the processing log entry of the journey. */
export function toStepRecord(
  name: keyof typeof LAYER,
  result: StepCounts,
  timing: { started_at: string; ended_at?: string },
): StepRecord {
  return {
    name,
    status: 'SUCCEEDED',
    source: result.source,
    layer: LAYER[name],
    objects: result.objects.slice(0, STEP_RECORD_MAX_OBJECTS),
    message: result.message,
    started_at: timing.started_at,
    ended_at: timing.ended_at ?? new Date(Date.parse(timing.started_at) + result.duration_ms).toISOString(),
    duration_ms: result.duration_ms,
    rows_read: result.rows_read,
    rows_written: result.rows_written,
    rows_invalid: result.rows_invalid,
  };
}

/** A failed step as its processing log entry. */
export function failedStepRecord(name: keyof typeof LAYER, source: string, error: unknown, timing: { started_at: string; ended_at: string }): StepRecord {
  return {
    name,
    status: 'FAILED',
    source,
    layer: LAYER[name],
    started_at: timing.started_at,
    ended_at: timing.ended_at,
    duration_ms: Date.parse(timing.ended_at) - Date.parse(timing.started_at),
    error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  };
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
