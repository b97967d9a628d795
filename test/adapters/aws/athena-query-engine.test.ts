import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { AthenaQueryEngine, typedValue } from '../../../lambdas/adapters/aws/athena-query-engine.js';
import { AthenaQueryError } from '../../../lambdas/adapters/aws/errors.js';

const athena = mockClient(AthenaClient);
const columns = [
  { Name: 'num_oper', Type: 'varchar' },
  { Name: 'cod_idef_ver_oper', Type: 'integer' },
  { Name: 'vlr_oper', Type: 'decimal' },
  { Name: 'dat_vlr_even_oper', Type: 'timestamp' },
  { Name: 'flg', Type: 'boolean' },
];
const row = (...values: (string | undefined)[]) => ({ Data: values.map((v) => (v === undefined ? {} : { VarCharValue: v })) });

describe('AthenaQueryEngine', () => {
  let engine: AthenaQueryEngine;
  beforeEach(() => {
    athena.reset();
    engine = new AthenaQueryEngine(new AthenaClient({ region: 'sa-east-1' }), {
      workGroup: 'medallion',
      database: 'db_batch',
      pollIntervalMs: 0,
      sleep: async () => undefined,
    });
  });

  it('runs the query in the workgroup, waits for it and returns typed rows from every page', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q1' });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'QUEUED' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
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
      { num_oper: 'A', cod_idef_ver_oper: 1, vlr_oper: 10.5, dat_vlr_even_oper: '2024-01-19T03:00:00.000Z', flg: true },
      { num_oper: 'B', cod_idef_ver_oper: 2, vlr_oper: null, dat_vlr_even_oper: null, flg: false },
    ]);
    expect(athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input).toEqual({
      QueryString: 'SELECT * FROM tbl',
      WorkGroup: 'medallion',
      QueryExecutionContext: { Database: 'db_batch' },
    });
    expect(athena.commandCalls(GetQueryExecutionCommand)).toHaveLength(3);
  });

  it('fails with the state and reason of a failed query', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q2' });
    athena
      .on(GetQueryExecutionCommand)
      .resolves({ QueryExecution: { Status: { State: 'FAILED', StateChangeReason: 'TABLE_NOT_FOUND: tbl' } } });
    const call = engine.query('SELECT * FROM tbl');
    await expect(call).rejects.toThrow(AthenaQueryError);
    await expect(call).rejects.toThrow('Athena query q2 ended FAILED: TABLE_NOT_FOUND: tbl');
  });

  it('gives up after the timeout', async () => {
    const slow = new AthenaQueryEngine(new AthenaClient({ region: 'sa-east-1' }), {
      workGroup: 'w',
      timeoutMs: -1,
      sleep: async () => undefined,
    });
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q3' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });
    await expect(slow.query('SELECT 1')).rejects.toThrow('still RUNNING after -1 ms');
  });

  it('types values by the Athena column type', () => {
    expect(typedValue('12345678901', 'bigint')).toBe(12345678901);
    expect(typedValue('1.5', 'double')).toBe(1.5);
    expect(typedValue('2024-01-19', 'date')).toBe('2024-01-19');
    expect(typedValue('x', 'varchar(10)')).toBe('x');
  });
});
