// The Athena query engine against a mocked Athena client: start input, polling backoff, failures and their retry class, paging, exact values, execute().
import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  InvalidRequestException,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  TooManyRequestsException,
  type GetQueryExecutionOutput,
  type QueryExecutionStatus,
} from '@aws-sdk/client-athena';
import { AthenaQueryEngine, typedValue, type AthenaQueryEngineOptions } from '../../../lambdas/adapters/aws/athena-query-engine.js';
import { AthenaQueryError, AthenaQueryTimeoutError, AthenaRequestError } from '../../../lambdas/adapters/aws/errors.js';
import { isRetryable } from '../../../lambdas/core/errors.js';
import { generalTimestampText } from '../../../lambdas/core/instant.js';

const athena = mockClient(AthenaClient);
const columns = [
  { Name: 'num_oper', Type: 'varchar' },
  { Name: 'cod_idef_ver_oper', Type: 'integer' },
  { Name: 'vlr_oper', Type: 'decimal' },
  { Name: 'dat_vlr_even_oper', Type: 'timestamp' },
  { Name: 'flg', Type: 'boolean' },
];
const row = (...values: (string | undefined)[]) => ({ Data: values.map((v) => (v === undefined ? {} : { VarCharValue: v })) });
const MERGE = 'MERGE INTO "gold"."current_state" AS t\nUSING "silver"."events" AS s\nON t.id = s.id\nWHEN MATCHED THEN UPDATE SET v = s.v';

/** An engine whose sleeps are recorded and advance its clock by as much. */
function recordingEngine(options: Partial<AthenaQueryEngineOptions> = {}) {
  const sleeps: number[] = [];
  let clock = 1_000_000;
  const engine = new AthenaQueryEngine(new AthenaClient({ region: 'sa-east-1' }), {
    workGroup: 'medallion',
    database: 'db_batch',
    random: () => 0.5,
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    ...options,
  });
  return { engine, sleeps };
}

/** A recording engine whose statement starts as `queryId` and polls through `polls`, the last one repeated. */
function engineFor(queryId: string, polls: GetQueryExecutionOutput[], options: Partial<AthenaQueryEngineOptions> = {}) {
  const recorded = recordingEngine(options);
  athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: queryId });
  const poll = athena.on(GetQueryExecutionCommand);
  for (const p of polls.slice(0, -1)) poll.resolvesOnce(p);
  poll.resolves(polls.at(-1)!);
  return recorded;
}

const status = (s: QueryExecutionStatus, extra: GetQueryExecutionOutput['QueryExecution'] = {}): GetQueryExecutionOutput => ({
  QueryExecution: { Status: s, ...extra },
});

const throttled = () => new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} });
const accessDenied = () => Object.assign(new Error('not authorized'), { name: 'AccessDeniedException', $fault: 'client' });

/** The error the promise rejects with. */
async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (err: Error) => err,
  );
}

describe('AthenaQueryEngine', () => {
  beforeEach(() => athena.reset());

  it('runs the query in the workgroup and database, waits for it and returns typed rows from every page', async () => {
    const { engine } = engineFor('q1', [
      status({ State: 'QUEUED' }),
      status({ State: 'RUNNING' }),
      status({ State: 'SUCCEEDED' }, { StatementType: 'DML' }),
    ]);
    athena.on(GetQueryResultsCommand, { QueryExecutionId: 'q1', NextToken: undefined }).resolves({
      ResultSet: {
        ResultSetMetadata: { ColumnInfo: columns },
        Rows: [
          row('num_oper', 'cod_idef_ver_oper', 'vlr_oper', 'dat_vlr_even_oper', 'flg'),
          row('A', '1', '10.50', '2024-01-19 03:00:00.000', 'true'),
        ],
      },
      NextToken: 't2',
    });
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q1', NextToken: 't2' })
      .resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: columns }, Rows: [row('B', '2', undefined, undefined, 'false')] } });
    const rows = await engine.query('SELECT * FROM tbl');
    expect(rows).toEqual([
      { num_oper: 'A', cod_idef_ver_oper: 1, vlr_oper: '10.50', dat_vlr_even_oper: '2024-01-19T03:00:00.000Z', flg: true },
      { num_oper: 'B', cod_idef_ver_oper: 2, vlr_oper: null, dat_vlr_even_oper: null, flg: false },
    ]);
    expect(athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input).toEqual({
      QueryString: 'SELECT * FROM tbl',
      WorkGroup: 'medallion',
      QueryExecutionContext: { Database: 'db_batch' },
    });
    expect(athena.commandCalls(GetQueryExecutionCommand)).toHaveLength(3);
  });

  it('starts without a database context when none is configured', async () => {
    const { engine } = engineFor('q0', [status({ State: 'SUCCEEDED' }, { StatementType: 'DDL' })], { database: undefined });
    await engine.execute('CREATE DATABASE IF NOT EXISTS gold');
    expect(athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input).toEqual({
      QueryString: 'CREATE DATABASE IF NOT EXISTS gold',
      WorkGroup: 'medallion',
    });
  });

  it('pages through 3 pages of 1000 rows at most, skipping the header row on the first page only', async () => {
    const { engine } = engineFor('qp', [status({ State: 'SUCCEEDED' }, { StatementType: 'DML' })]);
    const cols = [{ Name: 'id', Type: 'bigint' }];
    const page = (values: string[], next?: string) => ({
      ResultSet: { ResultSetMetadata: { ColumnInfo: cols }, Rows: values.map((v) => row(v)) },
      ...(next ? { NextToken: next } : {}),
    });
    athena.on(GetQueryResultsCommand, { NextToken: undefined }).resolves(page(['id', '1', '2'], 'p2'));
    // Later pages start with data: were the first row of every page skipped, 3 and 5 would be lost.
    athena.on(GetQueryResultsCommand, { NextToken: 'p2' }).resolves(page(['3', '4'], 'p3'));
    athena.on(GetQueryResultsCommand, { NextToken: 'p3' }).resolves(page(['5']));
    expect(await engine.query('SELECT id FROM t')).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }, { id: 5 }]);
    const calls = athena.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input);
    expect(calls).toEqual([
      { QueryExecutionId: 'qp', NextToken: undefined, MaxResults: 1000 },
      { QueryExecutionId: 'qp', NextToken: 'p2', MaxResults: 1000 },
      { QueryExecutionId: 'qp', NextToken: 'p3', MaxResults: 1000 },
    ]);
  });

  it('keeps the first row of a utility statement, whose result has no header row', async () => {
    const { engine } = engineFor('qu', [status({ State: 'SUCCEEDED' }, { StatementType: 'UTILITY' })]);
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: { ResultSetMetadata: { ColumnInfo: [{ Name: 'tab_name', Type: 'string' }] }, Rows: [row('events'), row('orders')] },
    });
    expect(await engine.query('SHOW TABLES IN silver')).toEqual([{ tab_name: 'events' }, { tab_name: 'orders' }]);
  });

  it('polls with waits doubling from pollIntervalMs up to maxPollIntervalMs, each jittered into its upper half', async () => {
    const polls = Array.from({ length: 8 }, (_, i) => status({ State: i < 2 ? 'QUEUED' : 'RUNNING' }));
    const { engine, sleeps } = engineFor('qb', [...polls, status({ State: 'SUCCEEDED' }, { StatementType: 'DDL' })], {
      pollIntervalMs: 250,
      maxPollIntervalMs: 5_000,
      random: () => 0.5,
    });
    await engine.execute('ALTER TABLE gold.t ADD COLUMNS (c string)');
    // Nominal 250, 500, ..., 4000, then capped at 5000; random 0.5 draws 3/4 of each.
    expect(sleeps).toEqual([188, 375, 750, 1500, 3000, 3750, 3750, 3750]);
    expect(athena.commandCalls(GetQueryExecutionCommand)).toHaveLength(9);
  });

  it('draws each wait between half and all of its nominal length, and defaults to 250 ms growing to 5 s', async () => {
    for (const [random, expected] of [
      [0, [125, 250, 500, 1000, 2000, 2500, 2500]],
      [0.8, [225, 450, 900, 1800, 3600, 4500, 4500]],
    ] as const) {
      athena.reset();
      const polls = Array.from({ length: 7 }, () => status({ State: 'RUNNING' }));
      const { engine, sleeps } = engineFor('qj', [...polls, status({ State: 'SUCCEEDED' }, { StatementType: 'DDL' })], {
        random: () => random,
      });
      await engine.execute('DROP TABLE IF EXISTS gold.t');
      expect(sleeps).toEqual(expected);
    }
  });

  it('stops a query still running at the deadline and fails naming it, the state and the time waited; no wait runs past the deadline', async () => {
    const { engine, sleeps } = engineFor('q3', [status({ State: 'RUNNING' })], { timeoutMs: 2_000 });
    athena.on(StopQueryExecutionCommand).resolves({});
    const err = await failure(engine.query('SELECT 1'));
    expect(err).toBeInstanceOf(AthenaQueryTimeoutError);
    expect(err.message).toContain('Athena query q3 was still RUNNING after 2000 ms and was stopped');
    expect(err.message).toContain('raise timeoutMs');
    expect(isRetryable(err)).toBe(false);
    expect(sleeps).toEqual([188, 375, 750, 687]);
    expect(sleeps.reduce((a, b) => a + b)).toBe(2_000);
    expect(athena.commandCalls(StopQueryExecutionCommand).map((c) => c.args[0].input)).toEqual([{ QueryExecutionId: 'q3' }]);
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
  });

  it('calls a query still queued at the deadline retryable, and says when stopping it failed', async () => {
    const { engine } = engineFor('q4', [status({ State: 'QUEUED' })], { timeoutMs: 100 });
    athena.on(StopQueryExecutionCommand).rejects(new InvalidRequestException({ message: 'Query has already finished', $metadata: {} }));
    const err = await failure(engine.execute(MERGE));
    expect(err).toBeInstanceOf(AthenaQueryTimeoutError);
    expect(err.message).toContain(
      'still QUEUED after 100 ms and could not be stopped (InvalidRequestException: Query has already finished)',
    );
    expect(err.message).toContain('the workgroup is busy');
    expect(isRetryable(err)).toBe(true);
  });

  it('waits out throttled status polls with the same backoff, as the query may still be writing', async () => {
    const { engine, sleeps } = recordingEngine();
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'qt' });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce(status({ State: 'RUNNING' }))
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .resolves(status({ State: 'SUCCEEDED' }, { StatementType: 'DDL' }));
    expect(await engine.execute(MERGE)).toEqual({ queryId: 'qt' });
    expect(sleeps).toEqual([188, 375, 750]);
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(1);
  });

  it('fails at once on a status poll refused for good, naming the call and the query', async () => {
    const { engine } = recordingEngine();
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'qa' });
    athena.on(GetQueryExecutionCommand).rejects(accessDenied());
    const err = await failure(engine.execute(MERGE));
    expect(err).toBeInstanceOf(AthenaRequestError);
    expect(err.message).toContain(
      'Athena GetQueryExecution of query qa in workgroup medallion failed: AccessDeniedException: not authorized',
    );
    expect(isRetryable(err)).toBe(false);
    expect(athena.commandCalls(GetQueryExecutionCommand)).toHaveLength(1);
  });

  it('stops a query whose status could not be read until the deadline, and calls that retryable', async () => {
    const { engine } = recordingEngine({ timeoutMs: 1_000 });
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'qn' });
    athena.on(GetQueryExecutionCommand).rejects(throttled());
    athena.on(StopQueryExecutionCommand).resolves({});
    const err = await failure(engine.execute(MERGE));
    expect(err).toBeInstanceOf(AthenaQueryTimeoutError);
    expect(err.message).toContain('Athena query qn was still UNKNOWN after 1000 ms and was stopped');
    expect(err.message).toContain('The last status poll failed: TooManyRequestsException: Rate exceeded.');
    expect(isRetryable(err)).toBe(true);
    expect(athena.commandCalls(StopQueryExecutionCommand)).toHaveLength(1);
  });

  it("fails a FAILED query with Athena's reason and classification, the query id and the statement's first line", async () => {
    const { engine } = engineFor('q2', [
      status({
        State: 'FAILED',
        StateChangeReason: "TABLE_NOT_FOUND: line 1:8: Table 'awsdatacatalog.gold.current_state' does not exist",
        AthenaError: { ErrorCategory: 2, ErrorType: 1301, Retryable: false, ErrorMessage: "Table 'gold.current_state' does not exist" },
      }),
    ]);
    const err = await failure(engine.execute(MERGE));
    expect(err).toBeInstanceOf(AthenaQueryError);
    expect(err.message).toBe(
      "Athena query q2 ended FAILED: TABLE_NOT_FOUND: line 1:8: Table 'awsdatacatalog.gold.current_state' does not exist " +
        "[Athena error category 2 (user), type 1301, not retryable, Table 'gold.current_state' does not exist] " +
        '(workgroup medallion; statement: "MERGE INTO "gold"."current_state" AS t" + 3 more line(s)). ' +
        'Fix the statement or the tables it names; the query id finds it in the Athena console (Query history).',
    );
    expect(err).toMatchObject({ queryExecutionId: 'q2', state: 'FAILED', athenaError: { ErrorType: 1301 } });
    expect(isRetryable(err)).toBe(false);
  });

  it('shortens a long statement line and does not repeat an error message equal to the reason', async () => {
    const { engine } = engineFor('q5', [
      status({ State: 'FAILED', StateChangeReason: 'SYNTAX_ERROR', AthenaError: { ErrorCategory: 2, ErrorMessage: 'SYNTAX_ERROR' } }),
    ]);
    const sql = `SELECT ${Array.from({ length: 60 }, (_, i) => `c${i}`).join(', ')} FROM t`;
    const err = await failure(engine.query(sql));
    expect(err.message).toContain('SYNTAX_ERROR [Athena error category 2 (user)] (');
    expect(err.message).toContain(`statement: "${sql.slice(0, 120)}...")`);
  });

  it('fails a CANCELLED query with its reason and id, not retryable, pointing at the bytes-scanned cutoff', async () => {
    const { engine } = engineFor('q6', [
      status({ State: 'CANCELLED', StateChangeReason: 'Query cancelled: bytes scanned limit exceeded' }),
    ]);
    const err = await failure(engine.query('SELECT * FROM gold.big'));
    expect(err).toBeInstanceOf(AthenaQueryError);
    expect(err.message).toContain('Athena query q6 ended CANCELLED: Query cancelled: bytes scanned limit exceeded');
    expect(err.message).toContain('limits.athenaBytesScannedCutoff');
    expect(isRetryable(err)).toBe(false);
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
  });

  const retry = 'Athena says a resubmission may pass: retry.';
  const fix = 'Fix the statement or the tables it names';
  const conflict = 'Another writer committed to the Iceberg table first: a retry runs the statement again on the new snapshot.';
  it.each<[string, QueryExecutionStatus, boolean, string]>([
    [
      'Athena says Retryable',
      { StateChangeReason: 'GENERIC_INTERNAL_ERROR', AthenaError: { ErrorCategory: 2, Retryable: true } },
      true,
      retry,
    ],
    [
      'a system error without the flag',
      { StateChangeReason: 'INTERNAL_ERROR', AthenaError: { ErrorCategory: 1 } },
      true,
      "It is an Athena system error, not the statement's: a retry may pass.",
    ],
    ['a system error Athena says is not retryable', { AthenaError: { ErrorCategory: 1, Retryable: false } }, false, fix],
    ['a user error', { StateChangeReason: 'COLUMN_NOT_FOUND', AthenaError: { ErrorCategory: 2, Retryable: false } }, false, fix],
    ['an "other" error', { StateChangeReason: 'something', AthenaError: { ErrorCategory: 3 } }, false, fix],
    ['no classification at all', { StateChangeReason: 'something' }, false, fix],
    [
      'an Iceberg commit conflict in the reason',
      {
        StateChangeReason: 'ICEBERG_COMMIT_ERROR: Failed to commit Iceberg update to table: gold.current_state',
        AthenaError: { ErrorCategory: 2, Retryable: false },
      },
      true,
      conflict,
    ],
    [
      'an Iceberg commit conflict in the error message',
      { AthenaError: { ErrorCategory: 3, ErrorMessage: 'org.apache.iceberg.exceptions.CommitFailedException: metadata changed' } },
      true,
      conflict,
    ],
  ])('classifies a failure: %s', async (_, s, retryable, hint) => {
    const { engine } = engineFor('qr', [status({ ...s, State: 'FAILED' })]);
    const err = await failure(engine.execute(MERGE));
    expect(err).toBeInstanceOf(AthenaQueryError);
    expect((err as AthenaQueryError).retryable).toBe(retryable);
    expect(isRetryable(err)).toBe(retryable);
    expect(err.message).toContain('Athena query qr ended FAILED');
    expect(err.message).toContain(hint);
  });

  it('fails a throttled start as retryable, naming the call, the workgroup, the reason and the statement', async () => {
    const { engine } = recordingEngine();
    athena.on(StartQueryExecutionCommand).rejects(
      new TooManyRequestsException({
        message: 'Rate exceeded',
        Reason: 'CONCURRENT_QUERY_LIMIT_EXCEEDED',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const err = await failure(engine.execute(MERGE));
    expect(err).toBeInstanceOf(AthenaRequestError);
    expect(err.message).toBe(
      'Athena StartQueryExecution in workgroup medallion failed: TooManyRequestsException: Rate exceeded (CONCURRENT_QUERY_LIMIT_EXCEEDED) ' +
        '(statement: "MERGE INTO "gold"."current_state" AS t" + 3 more line(s)). ' +
        'Throttled: a retry may pass; lower the number of queries run at once or raise the account quota.',
    );
    expect(isRetryable(err)).toBe(true);
    expect(athena.commandCalls(GetQueryExecutionCommand)).toHaveLength(0);
  });

  it('fails a rejected start (a client fault) as not retryable', async () => {
    const { engine } = recordingEngine();
    athena
      .on(StartQueryExecutionCommand)
      .rejects(new InvalidRequestException({ message: 'WorkGroup medallion is disabled', $metadata: {} }));
    const err = await failure(engine.query('SELECT 1'));
    expect(err).toBeInstanceOf(AthenaRequestError);
    expect(err.message).toContain('InvalidRequestException: WorkGroup medallion is disabled');
    expect(isRetryable(err)).toBe(false);
  });

  it('names the query id when a later call fails', async () => {
    const { engine } = engineFor('q7', [status({ State: 'SUCCEEDED' }, { StatementType: 'DML' })]);
    athena.on(GetQueryResultsCommand).rejects(throttled());
    const err = await failure(engine.query('SELECT 1'));
    expect(err.message).toContain('Athena GetQueryResults of query q7 in workgroup medallion failed');
    expect(isRetryable(err)).toBe(true);
  });

  it('executes DDL and returns its statistics without calling GetQueryResults', async () => {
    const { engine } = engineFor('qd', [
      status({ State: 'RUNNING' }),
      status(
        { State: 'SUCCEEDED' },
        { StatementType: 'DDL', SubstatementType: 'CREATE_TABLE', Statistics: { DataScannedInBytes: 0, EngineExecutionTimeInMillis: 412 } },
      ),
    ]);
    const sql = "CREATE TABLE gold.current_state (id string) LOCATION 's3://gold/current_state/' TBLPROPERTIES ('table_type' = 'ICEBERG')";
    expect(await engine.execute(sql)).toEqual({ queryId: 'qd', dataScannedBytes: 0 });
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
  });

  it('executes a MERGE and returns the rows it wrote (UpdateCount, read with one one-row GetQueryResults) and the bytes scanned', async () => {
    const { engine } = engineFor('qm', [
      status({ State: 'SUCCEEDED' }, { StatementType: 'DML', SubstatementType: 'MERGE', Statistics: { DataScannedInBytes: 73_400_320 } }),
    ]);
    athena.on(GetQueryResultsCommand).resolves({ UpdateCount: 1234, ResultSet: { Rows: [] } });
    expect(await engine.execute(MERGE)).toEqual({ queryId: 'qm', rowsAffected: 1234, dataScannedBytes: 73_400_320 });
    expect(athena.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input)).toEqual([{ QueryExecutionId: 'qm', MaxResults: 1 }]);
  });

  it('returns a MERGE without its row count when reading the count is throttled, as the statement has run; fails when it is refused', async () => {
    const succeeded = status(
      { State: 'SUCCEEDED' },
      { StatementType: 'DML', SubstatementType: 'MERGE', Statistics: { DataScannedInBytes: 10 } },
    );
    const { engine } = engineFor('qc', [succeeded]);
    athena.on(GetQueryResultsCommand).rejectsOnce(throttled()).rejects(accessDenied());
    expect(await engine.execute(MERGE)).toEqual({ queryId: 'qc', dataScannedBytes: 10 });
    const err = await failure(engine.execute(MERGE));
    expect(err.message).toContain('Athena GetQueryResults of query qc in workgroup medallion failed: AccessDeniedException');
    expect(isRetryable(err)).toBe(false);
  });

  it('executes a SELECT for its effect without reading its rows', async () => {
    const { engine } = engineFor('qs', [status({ State: 'SUCCEEDED' }, { StatementType: 'DML', SubstatementType: 'SELECT' })]);
    expect(await engine.execute('SELECT 1')).toEqual({ queryId: 'qs' });
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
  });

  it('returns decimals past 15 digits and bigints past 2^53 exactly, as read from a result page', async () => {
    const { engine } = engineFor('qx', [status({ State: 'SUCCEEDED' }, { StatementType: 'DML' })]);
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: {
        ResultSetMetadata: {
          ColumnInfo: [
            { Name: 'amount', Type: 'decimal', Precision: 38, Scale: 2 },
            { Name: 'big', Type: 'bigint' },
          ],
        },
        Rows: [row('amount', 'big'), row('12345678901234567890.12', '9223372036854775807'), row('-0.10', '42')],
      },
    });
    expect(await engine.query('SELECT amount, big FROM t')).toEqual([
      { amount: '12345678901234567890.12', big: '9223372036854775807' },
      { amount: '-0.10', big: 42 },
    ]);
  });
});

describe('typedValue', () => {
  it('keeps integers, doubles and booleans as JS values, and dates, text and unknown types as text', () => {
    expect(typedValue('12345678901', 'bigint')).toBe(12345678901);
    expect(typedValue('-7', 'integer')).toBe(-7);
    expect(typedValue('3', 'tinyint')).toBe(3);
    expect(typedValue('1.5', 'double')).toBe(1.5);
    expect(typedValue('NaN', 'double')).toBeNaN();
    expect(typedValue('0.25', 'real')).toBe(0.25);
    expect(typedValue('false', 'boolean')).toBe(false);
    expect(typedValue('2024-01-19', 'date')).toBe('2024-01-19');
    expect(typedValue('x', 'varchar(10)')).toBe('x');
    expect(typedValue('{"a":1}', 'json')).toBe('{"a":1}');
    expect(typedValue(undefined, 'integer')).toBeNull();
  });

  it('returns a decimal as its exact text, also past 15 digits', () => {
    expect(typedValue('1234567890123456.78', 'decimal')).toBe('1234567890123456.78');
    expect(typedValue('99999999999999999999999999999999999.999', 'decimal(38,3)')).toBe('99999999999999999999999999999999999.999');
    expect(typedValue('0.1', 'decimal(9,1)')).toBe('0.1');
  });

  it('returns a bigint as a number while it is a safe integer, else as its exact text', () => {
    expect(typedValue('9007199254740991', 'bigint')).toBe(9007199254740991);
    expect(typedValue('-9007199254740991', 'bigint')).toBe(-9007199254740991);
    expect(typedValue('9007199254740993', 'bigint')).toBe('9007199254740993');
    expect(typedValue('-9223372036854775808', 'bigint')).toBe('-9223372036854775808');
  });

  it('returns timestamps as ISO-8601 UTC ending in Z, with every fractional digit', () => {
    expect(typedValue('2024-01-19 03:00:00.000', 'timestamp')).toBe('2024-01-19T03:00:00.000Z');
    expect(typedValue('2024-01-19 03:00:00.123', 'timestamp(3)')).toBe('2024-01-19T03:00:00.123Z');
    expect(typedValue('2024-01-19 03:00:00.123456', 'timestamp(6)')).toBe('2024-01-19T03:00:00.123456Z');
    expect(typedValue('2024-01-19 03:00:00', 'timestamp')).toBe('2024-01-19T03:00:00Z');
  });

  it('moves a timestamp with time zone to UTC, by a zone name, UTC or an offset', () => {
    expect(typedValue('2024-01-19 03:00:00.000 UTC', 'timestamp with time zone')).toBe('2024-01-19T03:00:00.000Z');
    expect(typedValue('2024-01-19 00:00:00.123456 America/Sao_Paulo', 'timestamp(6) with time zone')).toBe('2024-01-19T03:00:00.123456Z');
    // Daylight saving time moves the offset: Berlin is +02:00 in July.
    expect(typedValue('2024-07-01 12:30:00.500 Europe/Berlin', 'timestamp(3) with time zone')).toBe('2024-07-01T10:30:00.500Z');
    expect(typedValue('2024-01-01 00:30:00.000 +01:00', 'timestamp(3) with time zone')).toBe('2023-12-31T23:30:00.000Z');
    expect(typedValue('2024-01-19 03:00:00.000 -03:30', 'timestamp with time zone')).toBe('2024-01-19T06:30:00.000Z');
  });

  it('reads every second of a day with a daylight-saving transition by its own offset, also once the day is known', () => {
    // Each text reads as core/instant.ts reads that wall time in that zone (a skipped time moves forward by the
    // gap), whether or not its day is already known. Berlin skips 02:00-02:59 on 2024-03-31 and repeats it on
    // 2024-10-27; Lord Howe moves by half an hour, from 02:00 to 02:30 on 2024-10-06.
    const expected = (day: string, time: string, zone: string) =>
      `${new Date(generalTimestampText(`${day}T${time}`, zone)! / 1000).toISOString().slice(0, 19)}.250Z`;
    for (const [day, zone] of [
      ['2024-03-31', 'Europe/Berlin'],
      ['2024-10-27', 'Europe/Berlin'],
      ['2024-10-06', 'Australia/Lord_Howe'],
    ] as const)
      for (let minute = 0; minute < 240; minute += 7)
        for (const second of ['00', '59']) {
          const time = `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}:${second}`;
          const text = `${day} ${time}.250 ${zone}`;
          expect(typedValue(text, 'timestamp(3) with time zone'), text).toBe(expected(day, time, zone));
          expect(typedValue(text, 'timestamp(3) with time zone'), text).toBe(expected(day, time, zone));
        }
    expect(typedValue('2024-03-31 01:59:59.000 Europe/Berlin', 'timestamp with time zone')).toBe('2024-03-31T00:59:59.000Z');
    expect(typedValue('2024-03-31 03:00:00.000 Europe/Berlin', 'timestamp with time zone')).toBe('2024-03-31T01:00:00.000Z');
    expect(typedValue('2024-10-27 03:30:00.000 Europe/Berlin', 'timestamp with time zone')).toBe('2024-10-27T02:30:00.000Z');
    // Lord Howe is +10:30 before 02:00 and +11 from 02:30.
    expect(typedValue('2024-10-06 01:59:00.000 Australia/Lord_Howe', 'timestamp with time zone')).toBe('2024-10-05T15:29:00.000Z');
    expect(typedValue('2024-10-06 02:45:00.000 Australia/Lord_Howe', 'timestamp with time zone')).toBe('2024-10-05T15:45:00.000Z');
  });

  it('leaves a timestamp text it cannot read as it is', () => {
    expect(typedValue('2024-01-19 03:00:00.000 Nowhere/Atlantis', 'timestamp with time zone')).toBe(
      '2024-01-19 03:00:00.000 Nowhere/Atlantis',
    );
    expect(typedValue('not a time', 'timestamp')).toBe('not a time');
  });
});
