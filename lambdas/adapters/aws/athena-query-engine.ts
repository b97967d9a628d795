// The QueryEngine port over Athena: one statement in a workgroup, polled to its end with backoff, results typed by column.
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type AthenaClient,
  type QueryExecution,
} from '@aws-sdk/client-athena';
import { describeError } from '../../core/errors.js';
import { generalTimestampText } from '../../core/instant.js';
import type { QueryEngine, QueryRow } from '../../ports/query-engine.js';
import { AthenaQueryError, AthenaQueryTimeoutError, AthenaRequestError } from './errors.js';

export interface AthenaQueryEngineOptions {
  workGroup: string;
  /** Database for unqualified table names. */
  database?: string;
  /** The first wait between status polls [250 ms]; each later one doubles, up to maxPollIntervalMs. */
  pollIntervalMs?: number;
  /** The longest wait between status polls [5 s]. */
  maxPollIntervalMs?: number;
  /** Give up waiting (and stop the query) after this long [10 minutes]. */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** A number in [0, 1) for the polling jitter [Math.random]. */
  random?: () => number;
  /** Epoch ms, for the deadline [Date.now]. */
  now?: () => number;
}

/** What a statement without a result set (DDL, MERGE, INSERT) reports. */
export interface ExecuteResult {
  queryId: string;
  /** Rows written, for a DML statement that writes (INSERT, MERGE, UPDATE, DELETE, CTAS) when Athena reports it. */
  rowsAffected?: number;
  dataScannedBytes?: number;
}

/** The most rows GetQueryResults returns a page (the API's maximum). */
const PAGE_ROWS = 1000;

export class AthenaQueryEngine implements QueryEngine {
  private readonly pollIntervalMs: number;
  private readonly maxPollIntervalMs: number;
  private readonly timeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(
    private readonly client: AthenaClient,
    private readonly options: AthenaQueryEngineOptions,
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.maxPollIntervalMs = Math.max(options.maxPollIntervalMs ?? 5_000, this.pollIntervalMs);
    this.timeoutMs = options.timeoutMs ?? 10 * 60_000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  /** Runs a SELECT and returns every row of its result, each value typed by its column (see typedValue). */
  async query(sql: string): Promise<QueryRow[]> {
    const { queryId, execution } = await this.run(sql);
    // A DML statement's (a SELECT's) first row repeats the column names; a DDL or utility one's (SHOW, DESCRIBE) does not.
    let skip = (execution.StatementType ?? 'DML') === 'DML' ? 1 : 0;
    const rows: QueryRow[] = [];
    let columns: { name: string; read: (text: string) => unknown }[] | undefined;
    let token: string | undefined;
    do {
      const page = await this.request('GetQueryResults', sql, queryId, () =>
        this.client.send(new GetQueryResultsCommand({ QueryExecutionId: queryId, NextToken: token, MaxResults: PAGE_ROWS })),
      );
      columns ??= (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => ({
        name: c.Name!,
        read: valueReader(c.Type ?? 'varchar'),
      }));
      for (const row of (page.ResultSet?.Rows ?? []).slice(skip)) {
        const out: QueryRow = {};
        columns.forEach((c, i) => {
          const text = row.Data?.[i]?.VarCharValue;
          out[c.name] = text === undefined ? null : c.read(text);
        });
        rows.push(out);
      }
      skip = 0;
      token = page.NextToken;
    } while (token);
    return rows;
  }

  /**
   * Runs a statement for its effect (CREATE TABLE, ALTER TABLE ADD COLUMNS, MERGE INTO, INSERT) and returns
   * its statistics, without reading a result set. The row count is not in GetQueryExecution's Statistics:
   * Athena reports it only as GetQueryResults' UpdateCount, so for a writing DML statement one
   * one-row GetQueryResults call reads it (left out if that call is throttled: the statement has run);
   * DDL and utility statements never call GetQueryResults.
   */
  async execute(sql: string): Promise<ExecuteResult> {
    const { queryId, execution } = await this.run(sql);
    const result: ExecuteResult = { queryId };
    const scanned = execution.Statistics?.DataScannedInBytes;
    if (scanned !== undefined) result.dataScannedBytes = scanned;
    if (execution.StatementType === 'DML' && execution.SubstatementType?.toUpperCase() !== 'SELECT') {
      try {
        const page = await this.request('GetQueryResults', sql, queryId, () =>
          this.client.send(new GetQueryResultsCommand({ QueryExecutionId: queryId, MaxResults: 1 })),
        );
        if (page.UpdateCount !== undefined) result.rowsAffected = page.UpdateCount;
      } catch (err) {
        // The statement has written: a throttled count read must not fail the step, whose retry would run it again.
        if (!(err instanceof AthenaRequestError) || !err.retryable) throw err;
      }
    }
    return result;
  }

  /** Starts the statement in the workgroup and waits for it to succeed. */
  private async run(sql: string): Promise<{ queryId: string; execution: QueryExecution }> {
    const started = await this.request('StartQueryExecution', sql, undefined, () =>
      this.client.send(
        new StartQueryExecutionCommand({
          QueryString: sql,
          WorkGroup: this.options.workGroup,
          ...(this.options.database ? { QueryExecutionContext: { Database: this.options.database } } : {}),
        }),
      ),
    );
    const queryId = started.QueryExecutionId!;
    return { queryId, execution: await this.waitFor(queryId, sql) };
  }

  /**
   * Polls the query until it ends or the deadline passes. The waits double from pollIntervalMs up to
   * maxPollIntervalMs, as most statements end within a second or two and a long one need not be polled
   * often; each wait is drawn from its upper half so that concurrent Lambdas do not poll in step, and no
   * wait runs past the deadline. A poll that fails with a retryable error (throttling, after the SDK's own
   * retries) is waited out like a running state: failing the step would have it run the statement again
   * while this one may still be writing.
   */
  private async waitFor(queryId: string, sql: string): Promise<QueryExecution> {
    const deadline = this.now() + this.timeoutMs;
    let interval = this.pollIntervalMs;
    let state = 'UNKNOWN';
    for (;;) {
      let lastPoll: string | undefined;
      try {
        const out = await this.request('GetQueryExecution', sql, queryId, () =>
          this.client.send(new GetQueryExecutionCommand({ QueryExecutionId: queryId })),
        );
        const execution = out.QueryExecution ?? {};
        const status = execution.Status;
        state = status?.State ?? 'UNKNOWN';
        if (state === 'SUCCEEDED') return execution;
        if (state === 'FAILED' || state === 'CANCELLED') {
          throw new AthenaQueryError({
            queryExecutionId: queryId,
            workGroup: this.options.workGroup,
            state,
            ...(status?.StateChangeReason ? { reason: status.StateChangeReason } : {}),
            ...(status?.AthenaError ? { athenaError: status.AthenaError } : {}),
            sql,
          });
        }
      } catch (err) {
        if (!(err instanceof AthenaRequestError) || !err.retryable) throw err;
        lastPoll = describeError(err.cause);
      }
      const remaining = deadline - this.now();
      if (remaining <= 0) {
        const stop = await this.stop(queryId);
        throw new AthenaQueryTimeoutError(queryId, state, this.timeoutMs, sql, {
          ...(stop ? { stop } : {}),
          ...(lastPoll ? { lastPoll } : {}),
        });
      }
      await this.sleep(Math.min(remaining, Math.round(interval * (0.5 + this.random() / 2))));
      interval = Math.min(interval * 2, this.maxPollIntervalMs);
    }
  }

  /** Stops a query given up on, so that it neither keeps scanning (and billing) nor writes after the caller has moved on; returns why stopping failed, if it did. */
  private async stop(queryId: string): Promise<string | undefined> {
    try {
      await this.client.send(new StopQueryExecutionCommand({ QueryExecutionId: queryId }));
      return undefined;
    } catch (err) {
      return describeError(err);
    }
  }

  /** One Athena API call; a failure (after the SDK's own retries) becomes an AthenaRequestError naming the call and the statement. */
  private async request<T>(operation: string, sql: string, queryId: string | undefined, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw new AthenaRequestError(operation, this.options.workGroup, sql, err, queryId);
    }
  }
}

/**
 * Athena returns every value as text; this gives each its type without losing a digit: integers, doubles
 * and booleans as JS values, a bigint as a number only while it is a safe integer (else its exact text), a
 * decimal as its exact text (a double rounds past 15 digits), a timestamp as ISO-8601 UTC ending in Z with
 * all its fractional digits, a date as YYYY-MM-DD, anything else as its text.
 */
export function typedValue(text: string | undefined, type: string): unknown {
  return text === undefined ? null : valueReader(type)(text);
}

/** The reading of one column's non-null values, chosen once per column rather than once per value. */
export function valueReader(type: string): (text: string) => unknown {
  // `decimal(38,2)` is a decimal, `timestamp(6) with time zone` a timestamp with time zone.
  switch (
    type
      .toLowerCase()
      .replace(/\([^)]*\)/g, '')
      .trim()
  ) {
    case 'tinyint':
    case 'smallint':
    case 'integer':
    case 'int':
    case 'double':
    case 'float':
    case 'real':
      return Number;
    case 'bigint':
      return exactInteger;
    case 'boolean':
      return (text) => text === 'true';
    case 'timestamp':
      return utcTimestamp;
    case 'timestamp with time zone':
      return zonedTimestamp;
    default:
      // decimal, date, varchar, char, json, varbinary, time, arrays, maps, rows.
      return (text) => text;
  }
}

function exactInteger(text: string): number | string {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : text;
}

const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}):(\d{2}:\d{2})(\.\d+)?(?:\s*(\S+))?$/;
/** A zone printed as an offset from UTC. */
const OFFSET = /^(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;
/** How Athena prints a timestamp(p): in UTC, without a zone. */
const UTC_TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?$/;

/** `2024-01-19 03:00:00.000` as `2024-01-19T03:00:00.000Z`; a text with a zone as timestamp with time zone. */
function utcTimestamp(text: string): string {
  // A test without captures and two slices: about half the time of the general reading below (bench/athena-values.bench.ts).
  return UTC_TIMESTAMP.test(text) ? `${text.slice(0, 10)}T${text.slice(11)}Z` : zonedTimestamp(text);
}

/**
 * `2024-01-19 00:00:00.123456 America/Sao_Paulo` (or `UTC`, or `+01:00`) as the same instant in UTC,
 * `2024-01-19T03:00:00.123456Z`: the zone moves the whole seconds, the fractional digits stay as printed.
 * A text it cannot read (an unknown zone, a year outside 1685..2255) stays as it is.
 */
function zonedTimestamp(text: string): string {
  const m = TIMESTAMP.exec(text);
  if (!m) return text;
  const [day, hour, minuteSecond, fraction, zone] = [m[1]!, m[2]!, m[3]!, m[4] ?? '', m[5] ?? 'UTC'];
  if (zone === 'UTC' || zone === 'Z') return `${day}T${hour}:${minuteSecond}${fraction}Z`;
  let offset: number | undefined;
  try {
    offset = wallOffsetMs(day, hour, minuteSecond, zone);
  } catch {
    // Intl does not know the zone.
    return text;
  }
  if (offset === undefined) return text;
  return `${new Date(Date.parse(`${day}T${hour}:${minuteSecond}Z`) - offset).toISOString().slice(0, 19)}${fraction}Z`;
}

/** Per zone and day, the zone's offset when it is the same all that day; null when it changes within it. */
const dayOffsets = new Map<string, number | null>();

/**
 * The zone's offset from UTC (wall time minus UTC, ms) at a wall time, or undefined out of range. Reading a
 * named zone costs Intl calls (about 20 µs), so each day's offset is kept once it is known to hold from the
 * day's first second to its last (zones change offset at most a few times a year, never twice a day); on a
 * day with a transition each value is read on its own.
 */
function wallOffsetMs(day: string, hour: string, minuteSecond: string, zone: string): number | undefined {
  if (OFFSET.test(zone)) return exactOffsetMs(day, `${hour}:${minuteSecond}${zone}`, 'UTC');
  const key = `${zone} ${day}`;
  let held = dayOffsets.get(key);
  if (held === undefined) {
    const first = exactOffsetMs(day, '00:00:00', zone);
    held = first !== undefined && first === exactOffsetMs(day, '23:59:59', zone) ? first : null;
    if (dayOffsets.size >= 10_000) dayOffsets.clear();
    dayOffsets.set(key, held);
  }
  return held ?? exactOffsetMs(day, `${hour}:${minuteSecond}`, zone);
}

/** Wall time minus UTC, in ms, for `time` (hh:mm:ss, perhaps with an offset) on `day` read in `zone`. */
function exactOffsetMs(day: string, time: string, zone: string): number | undefined {
  const micros = generalTimestampText(`${day}T${time}`, zone);
  return micros === undefined ? undefined : Date.parse(`${day}T${time.slice(0, 8)}Z`) - micros / 1000;
}
