// The QueryEngine port over Athena: one statement in a workgroup, polled to its end with backoff, results typed by column.
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type AthenaClient,
  type ColumnInfo,
  type QueryExecution,
} from '@aws-sdk/client-athena';
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
    let columns: ColumnInfo[] | undefined;
    let token: string | undefined;
    do {
      const page = await this.request('GetQueryResults', sql, queryId, () =>
        this.client.send(new GetQueryResultsCommand({ QueryExecutionId: queryId, NextToken: token, MaxResults: PAGE_ROWS })),
      );
      columns ??= page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      for (const row of (page.ResultSet?.Rows ?? []).slice(skip)) {
        const out: QueryRow = {};
        columns.forEach((c, i) => (out[c.Name!] = typedValue(row.Data?.[i]?.VarCharValue, c.Type ?? 'varchar')));
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
   * one-row GetQueryResults call reads it; DDL and utility statements never call GetQueryResults.
   */
  async execute(sql: string): Promise<ExecuteResult> {
    const { queryId, execution } = await this.run(sql);
    const result: ExecuteResult = { queryId };
    const scanned = execution.Statistics?.DataScannedInBytes;
    if (scanned !== undefined) result.dataScannedBytes = scanned;
    if (execution.StatementType === 'DML' && execution.SubstatementType?.toUpperCase() !== 'SELECT') {
      const page = await this.request('GetQueryResults', sql, queryId, () =>
        this.client.send(new GetQueryResultsCommand({ QueryExecutionId: queryId, MaxResults: 1 })),
      );
      if (page.UpdateCount !== undefined) result.rowsAffected = page.UpdateCount;
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
   * wait runs past the deadline.
   */
  private async waitFor(queryId: string, sql: string): Promise<QueryExecution> {
    const deadline = this.now() + this.timeoutMs;
    let interval = this.pollIntervalMs;
    for (;;) {
      const out = await this.request('GetQueryExecution', sql, queryId, () =>
        this.client.send(new GetQueryExecutionCommand({ QueryExecutionId: queryId })),
      );
      const execution = out.QueryExecution ?? {};
      const status = execution.Status;
      const state = status?.State ?? 'UNKNOWN';
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
      const remaining = deadline - this.now();
      if (remaining <= 0) throw new AthenaQueryTimeoutError(queryId, state, this.timeoutMs, sql, await this.stop(queryId));
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
      return `${(err as Error).name}: ${(err as Error).message}`;
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

const OFFSET = /^(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

/**
 * Athena returns every value as text; this gives each its type without losing a digit: integers, doubles
 * and booleans as JS values, a bigint as a number only while it is a safe integer (else its exact text), a
 * decimal as its exact text (a double rounds past 15 digits), a timestamp as ISO-8601 UTC ending in Z with
 * all its fractional digits, a date as YYYY-MM-DD, anything else as its text.
 */
export function typedValue(text: string | undefined, type: string): unknown {
  if (text === undefined) return null;
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
      return Number(text);
    case 'bigint': {
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : text;
    }
    case 'boolean':
      return text === 'true';
    case 'timestamp':
      return utcTimestamp(text);
    case 'timestamp with time zone':
      return zonedTimestamp(text);
    default:
      // decimal, date, varchar, char, json, varbinary, time, arrays, maps, rows.
      return text;
  }
}

const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?(?:\s*(\S+))?$/;

/** `2024-01-19 03:00:00.000` (a timestamp(p) is printed in UTC, without a zone) as `2024-01-19T03:00:00.000Z`. */
function utcTimestamp(text: string): string {
  const m = TIMESTAMP.exec(text);
  if (!m) return text;
  if (m[4] !== undefined) return zonedTimestamp(text);
  return `${m[1]}T${m[2]}${m[3] ?? ''}Z`;
}

/**
 * `2024-01-19 00:00:00.123456 America/Sao_Paulo` (or `UTC`, or `+01:00`) as the same instant in UTC,
 * `2024-01-19T03:00:00.123456Z`: the zone moves the whole seconds, the fractional digits stay as printed.
 * A text it cannot read (an unknown zone, a year outside 1685..2255) stays as it is.
 */
function zonedTimestamp(text: string): string {
  const m = TIMESTAMP.exec(text);
  if (!m) return text;
  const [, day, time, fraction = '', zone = 'UTC'] = m;
  let micros: number | undefined;
  try {
    micros = OFFSET.test(zone) ? generalTimestampText(`${day}T${time}${zone}`, 'UTC') : generalTimestampText(`${day}T${time}`, zone);
  } catch {
    // Intl does not know the zone.
    return text;
  }
  if (micros === undefined) return text;
  return `${new Date(micros / 1000).toISOString().slice(0, 19)}${fraction}Z`;
}
