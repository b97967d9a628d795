import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { GetJobRunCommand, GlueClient, StartJobRunCommand } from '@aws-sdk/client-glue';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GlueJobRunner } from '../../lambdas/adapters/aws/glue-job-runner.js';
import { FsObjectStore } from '../../lambdas/adapters/local/fs-object-store.js';
import { GlueJobFailedError, type GlueConsolidationSpec } from '../../lambdas/ports/glue-runner.js';

const glue = mockClient(GlueClient);
const spec: GlueConsolidationSpec = { version: 1, run_id: 'run-1', sql: 'SELECT 1', counts_sql: 'SELECT 0 AS rows_read, 0 AS rows_invalid', quarantine_sql: 'SELECT 1', quarantine_location: 's3://gold/_quarantine/x/', database: 'db_batch', tabela_consolidada: 'tbl_x', anomesdia: '20240119', output_location: 's3://gold/x/', columns: ['a', 'origem'] };

describe('GlueJobRunner', () => {
  let dir: string;
  let runner: GlueJobRunner;
  let store: FsObjectStore;
  beforeEach(async () => {
    glue.reset();
    dir = await mkdtemp(join(tmpdir(), 'glue-runner-'));
    store = new FsObjectStore(dir);
    runner = new GlueJobRunner(new GlueClient({ region: 'sa-east-1' }), { jobName: 'consolidate', specStore: store, pollIntervalMs: 0, sleep: async () => undefined });
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('writes the spec, passes its URI as --spec_uri and waits for the run to succeed', async () => {
    glue.on(StartJobRunCommand).resolves({ JobRunId: 'jr_1' });
    glue.on(GetJobRunCommand).resolvesOnce({ JobRun: { JobRunState: 'RUNNING' } }).resolves({ JobRun: { JobRunState: 'SUCCEEDED', ExecutionTime: 42 } });
    expect(await runner.run(spec)).toEqual({ jobRunId: 'jr_1', executionTimeSeconds: 42 });
    const key = runner.specKey(spec);
    expect(glue.commandCalls(StartJobRunCommand)[0]!.args[0].input).toEqual({ JobName: 'consolidate', Arguments: { '--spec_uri': store.uri(key) } });
    expect(JSON.parse(new TextDecoder().decode(await store.get(key)))).toEqual(spec);
    expect(glue.commandCalls(GetJobRunCommand)[0]!.args[0].input).toEqual({ JobName: 'consolidate', RunId: 'jr_1' });
  });

  it('fails with the job state and error message', async () => {
    glue.on(StartJobRunCommand).resolves({ JobRunId: 'jr_2' });
    glue.on(GetJobRunCommand).resolves({ JobRun: { JobRunState: 'FAILED', ErrorMessage: 'AnalysisException: table not found' } });
    const call = runner.run(spec);
    await expect(call).rejects.toThrow(GlueJobFailedError);
    await expect(call).rejects.toThrow('Glue job consolidate run jr_2 ended FAILED: AnalysisException: table not found');
  });
});
