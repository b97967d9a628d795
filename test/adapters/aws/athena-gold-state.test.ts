// The Gold tables step's statements as Athena receives them (aws-sdk-client-mock: no emulator runs Athena): the
// Iceberg DDL, SHOW COLUMNS then ADD COLUMNS for what the table lacks, the MERGE of each table; and a MERGE that
// fails stops the step with Athena's own message and query id, before the next table is touched.
import { describe, expect, it } from 'vitest';
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { AthenaGoldStateEngine } from '../../../lambdas/adapters/aws/athena-gold-state.js';
import { AthenaQueryEngine } from '../../../lambdas/adapters/aws/athena-query-engine.js';
import { AthenaQueryError } from '../../../lambdas/adapters/aws/errors.js';
import { parsePipelineConfig } from '../../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../../lambdas/core/default-config.js';
import { goldStateTables, refreshGoldState } from '../../../lambdas/core/gold/gold-state.js';
import { mockClientInBlock } from '../../support/client-mock.js';

const athena = mockClientInBlock(AthenaClient);
const config = parsePipelineConfig(defaultPipelineConfig);
const consolidation = config.consolidations[0]!;
const goldUri = (key: string) => `s3://gold-bucket/${key}`;

/** Answers each statement as Athena would; `fail` names a statement prefix that ends FAILED. */
function fakeAthena(options: { fail?: string; lacking?: string } = {}) {
  const statements: string[] = [];
  athena()
    .on(StartQueryExecutionCommand)
    .callsFake((input) => {
      statements.push(input.QueryString);
      return { QueryExecutionId: `q${statements.length}` };
    });
  athena()
    .on(GetQueryExecutionCommand)
    .callsFake((input) => {
      const sql = statements[Number(input.QueryExecutionId.slice(1)) - 1]!;
      const type = /^(CREATE|ALTER)/.test(sql) ? 'DDL' : /^SHOW/.test(sql) ? 'UTILITY' : 'DML';
      const failed = options.fail !== undefined && sql.startsWith(options.fail);
      return {
        QueryExecution: {
          QueryExecutionId: input.QueryExecutionId,
          StatementType: type,
          SubstatementType: sql.split(' ')[0],
          Status: failed
            ? {
                State: 'FAILED',
                StateChangeReason: 'ICEBERG_COMMIT_ERROR: Failed to commit Iceberg update to table',
                AthenaError: { ErrorCategory: 1, ErrorType: 1101, Retryable: true },
              }
            : { State: 'SUCCEEDED' },
          Statistics: { DataScannedInBytes: 10 },
        },
      };
    });
  athena()
    .on(GetQueryResultsCommand)
    .callsFake((input) => {
      const sql = statements[Number(input.QueryExecutionId.slice(1)) - 1]!;
      if (sql.startsWith('SHOW COLUMNS')) {
        const table = goldStateTables(config, consolidation, goldUri).find((t) => sql.includes(`\`${t.table}\``))!;
        const names = table.columns.map((c) => c.name).filter((n) => n !== options.lacking);
        // Athena pads the names; SHOW has no header row.
        return {
          ResultSet: {
            ResultSetMetadata: { ColumnInfo: [{ Name: 'field', Type: 'string' }] },
            Rows: names.map((n) => ({ Data: [{ VarCharValue: `${n}    ` }] })),
          },
        };
      }
      if (sql.startsWith('SELECT count(*)'))
        return {
          ResultSet: {
            ResultSetMetadata: { ColumnInfo: [{ Name: 'row_count', Type: 'bigint' }] },
            Rows: [{ Data: [{ VarCharValue: 'row_count' }] }, { Data: [{ VarCharValue: '600' }] }],
          },
        };
      return { ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [] }, UpdateCount: 3 };
    });
  const engine = new AthenaGoldStateEngine(
    new AthenaQueryEngine(new AthenaClient({ region: 'sa-east-1' }), { workGroup: 'medallion', sleep: async () => undefined }),
  );
  return { statements, engine };
}

describe('the gold state tables on Athena', () => {
  it('creates each Iceberg table in the gold bucket, adds the columns it lacks, then MERGEs it', async () => {
    const { statements, engine } = fakeAthena({ lacking: 'des_stat_oper' });
    const out = await refreshGoldState({ config, engine, goldUri }, { consolidation, anomesdias: ['20261130'] });
    const current = '`db_batch`.`tbl_processado_operacao_consolidada_n1_current`';
    const history = '`db_batch`.`tbl_processado_operacao_consolidada_n1_history`';
    expect(statements.map((s) => s.split('(')[0]!.trim())).toEqual([
      `CREATE TABLE IF NOT EXISTS ${current}`,
      `SHOW COLUMNS IN ${current}`,
      `ALTER TABLE ${current} ADD COLUMNS`,
      'MERGE INTO "db_batch"."tbl_processado_operacao_consolidada_n1_current" AS "t"\nUSING',
      'SELECT count',
      `CREATE TABLE IF NOT EXISTS ${history}`,
      `SHOW COLUMNS IN ${history}`,
      `ALTER TABLE ${history} ADD COLUMNS`,
      'MERGE INTO "db_batch"."tbl_processado_operacao_consolidada_n1_history" AS "t"\nUSING',
      'SELECT count',
    ]);
    expect(statements[0]).toContain("LOCATION 's3://gold-bucket/db_batch/tbl_processado_operacao_consolidada_n1_current/'");
    expect(statements[0]).toContain("TBLPROPERTIES ('table_type' = 'ICEBERG'");
    expect(statements[2]).toBe(`ALTER TABLE ${current} ADD COLUMNS (\`des_stat_oper\` string)`);
    expect(statements[3]).toContain(`"anomesdia" IN ('20261130')`);
    expect(out.tables).toEqual([
      { table: 'db_batch.tbl_processado_operacao_consolidada_n1_current', kind: 'current', rows: 600, columns_added: ['des_stat_oper'] },
      { table: 'db_batch.tbl_processado_operacao_consolidada_n1_history', kind: 'history', rows: 600, columns_added: ['des_stat_oper'] },
    ]);
  });

  it("stops at a failed MERGE with Athena's reason and query id, retryable on a commit conflict, and touches no later table", async () => {
    const { statements, engine } = fakeAthena({ fail: 'MERGE INTO "db_batch"."tbl_processado_operacao_consolidada_n1_current"' });
    const error = await refreshGoldState({ config, engine, goldUri }, { consolidation, anomesdias: ['20261130'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AthenaQueryError);
    expect((error as AthenaQueryError).message).toContain('ICEBERG_COMMIT_ERROR: Failed to commit Iceberg update to table');
    expect((error as AthenaQueryError).message).toContain('q3');
    expect((error as AthenaQueryError).retryable).toBe(true);
    expect(statements.some((s) => s.includes('_history'))).toBe(false);
  });
});
