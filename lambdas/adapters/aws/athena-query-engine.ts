// The QueryEngine port over Athena: one query in a workgroup, polled to its end, results typed by column.
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type AthenaClient,
  type ColumnInfo,
} from '@aws-sdk/client-athena';
import type { QueryEngine, QueryRow } from '../../ports/query-engine.js';
import { AthenaQueryError } from './errors.js';

export interface AthenaQueryEngineOptions {
  workGroup: string;
  /** Database for unqualified table names. */
  database?: string;
  pollIntervalMs?: number;
  /** Give up waiting after this long [10 minutes]. */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export class AthenaQueryEngine implements QueryEngine {
  private readonly pollIntervalMs: number;
  private readonly timeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly client: AthenaClient,
    private readonly options: AthenaQueryEngineOptions,
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.timeoutMs = options.timeoutMs ?? 10 * 60_000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async query(sql: string): Promise<QueryRow[]> {
    const started = await this.client.send(
      new StartQueryExecutionCommand({
        QueryString: sql,
        WorkGroup: this.options.workGroup,
        ...(this.options.database ? { QueryExecutionContext: { Database: this.options.database } } : {}),
      }),
    );
    const id = started.QueryExecutionId!;
    await this.waitFor(id, sql);
    const rows: QueryRow[] = [];
    let columns: ColumnInfo[] | undefined;
    let token: string | undefined;
    let first = true;
    do {
      const page = await this.client.send(new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token }));
      columns ??= page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      const data = page.ResultSet?.Rows ?? [];
      // The first row of the first page repeats the column names.
      for (const row of first ? data.slice(1) : data) {
        const out: QueryRow = {};
        columns.forEach((c, i) => (out[c.Name!] = typedValue(row.Data?.[i]?.VarCharValue, c.Type ?? 'varchar')));
        rows.push(out);
      }
      first = false;
      token = page.NextToken;
    } while (token);
    return rows;
  }

  private async waitFor(id: string, sql: string): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const out = await this.client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      const state = out.QueryExecution?.Status?.State ?? 'UNKNOWN';
      if (state === 'SUCCEEDED') return;
      if (state === 'FAILED' || state === 'CANCELLED')
        throw new AthenaQueryError(id, state, out.QueryExecution?.Status?.StateChangeReason, sql);
      if (Date.now() > deadline)
        throw new AthenaQueryError(id, `still ${state} after ${this.timeoutMs} ms`, 'raise timeoutMs or check the workgroup', sql);
      await this.sleep(this.pollIntervalMs);
    }
  }
}

/** Athena returns every value as text; this gives numbers, booleans and ISO instants back their types. */
export function typedValue(text: string | undefined, type: string): unknown {
  if (text === undefined) return null;
  switch (type.toLowerCase().replace(/\(.*$/, '')) {
    case 'tinyint':
    case 'smallint':
    case 'integer':
    case 'int':
    case 'bigint':
    case 'double':
    case 'float':
    case 'real':
    case 'decimal':
      return Number(text);
    case 'boolean':
      return text === 'true';
    case 'timestamp':
      // Athena prints `2024-01-19 03:00:00.000` (UTC, no zone).
      return `${text.replace(' ', 'T')}${/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? '' : 'Z'}`;
    default:
      return text;
  }
}
