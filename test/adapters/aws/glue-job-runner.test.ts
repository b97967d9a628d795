import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { GetJobRunCommand, GlueClient, StartJobRunCommand } from '@aws-sdk/client-glue';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GlueJobRunner } from '../../../lambdas/adapters/aws/glue-job-runner.js';
import { FsObjectStore } from '../../../lambdas/adapters/local/fs-object-store.js';
import type { GlueConsolidationSpec } from '../../../lambdas/ports/glue-runner.js';
import { GlueJobFailedError, GlueJobStillRunningError } from '../../../lambdas/ports/errors.js';

const glue = mockClient(GlueClient);
const spec: GlueConsolidationSpec = {
  version: 1,
  run_id: 'run-1',
  sql: 'SELECT 1',
  counts_sql: 'SELECT 0 AS rows_read, 0 AS rows_invalid',
  quarantine_sql: 'SELECT 1',
  quarantine_location: 's3://gold/_quarantine/x/',
  database: 'db_batch',
  tabela_consolidada: 'tbl_x',
  anomesdia: '20240119',
  output_location: 's3://gold/x/',
  columns: ['a', 'origem'],
};

describe('GlueJobRunner', () => {
  let dir: string;
  let runner: GlueJobRunner;
  let store: FsObjectStore;
  beforeEach(async () => {
    glue.reset();
    dir = await mkdtemp(join(tmpdir(), 'glue-runner-'));
    store = new FsObjectStore(dir);
    runner = new GlueJobRunner(new GlueClient({ region: 'sa-east-1' }), {
      jobName: 'consolidate',
      specStore: store,
      pollIntervalMs: 0,
      sleep: async () => undefined,
    });
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('writes the spec, passes its URI as --spec_uri and waits for the run to succeed', async () => {
    glue.on(StartJobRunCommand).resolves({ JobRunId: 'jr_1' });
    glue
      .on(GetJobRunCommand)
      .resolvesOnce({ JobRun: { JobRunState: 'RUNNING' } })
      .resolves({ JobRun: { JobRunState: 'SUCCEEDED', ExecutionTime: 42 } });
    expect(await runner.run(spec)).toEqual({ jobRunId: 'jr_1', executionTimeSeconds: 42 });
    const key = runner.specKey(spec);
    expect(glue.commandCalls(StartJobRunCommand)[0]!.args[0].input).toEqual({
      JobName: 'consolidate',
      Arguments: { '--spec_uri': store.uri(key) },
    });
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

  describe('a run longer than one call may wait', () => {
    let clock: number;
    let waiting: GlueJobRunner;
    beforeEach(() => {
      clock = 0;
      // Each poll advances the clock by the poll interval: 4 polls fill the 60 s wait.
      waiting = new GlueJobRunner(new GlueClient({ region: 'sa-east-1' }), {
        jobName: 'consolidate',
        specStore: store,
        pollIntervalMs: 15_000,
        waitMs: 60_000,
        now: () => clock,
        sleep: async (ms) => void (clock += ms),
      });
    });

    it('hands back with GlueJobStillRunningError, and the next call of the same attempt resumes that run instead of starting another', async () => {
      glue.on(StartJobRunCommand).resolves({ JobRunId: 'jr_long' });
      glue.on(GetJobRunCommand).resolves({ JobRun: { JobRunState: 'RUNNING' } });
      const first = waiting.run(spec, { attempt: 'execution-1' });
      await expect(first).rejects.toThrow(GlueJobStillRunningError);
      await expect(first).rejects.toThrow('Glue job consolidate run jr_long is still RUNNING after 60 s of waiting');
      await expect(first).rejects.toMatchObject({ resumed: false });
      await expect(waiting.run(spec, { attempt: 'execution-1' })).rejects.toMatchObject({
        name: 'GlueJobStillRunningError',
        jobRunId: 'jr_long',
        resumed: true,
      });
      expect(JSON.parse(new TextDecoder().decode(await store.get(waiting.runRecordKey(spec))))).toMatchObject({
        job_run_id: 'jr_long',
        attempt: 'execution-1',
      });

      glue.on(GetJobRunCommand).resolves({ JobRun: { JobRunState: 'SUCCEEDED', ExecutionTime: 5400 } });
      expect(await waiting.run(spec, { attempt: 'execution-1' })).toEqual({ jobRunId: 'jr_long', executionTimeSeconds: 5400 });
      expect(glue.commandCalls(StartJobRunCommand)).toHaveLength(1);
      expect(glue.commandCalls(GetJobRunCommand).every((c) => c.args[0].input.RunId === 'jr_long')).toBe(true);
    });

    it('starts a new run when the recorded one failed (a retry), when another execution asks, or when the spec changed', async () => {
      glue
        .on(StartJobRunCommand)
        .resolvesOnce({ JobRunId: 'jr_a' })
        .resolvesOnce({ JobRunId: 'jr_b' })
        .resolvesOnce({ JobRunId: 'jr_c' })
        .resolves({ JobRunId: 'jr_d' });
      // aws-sdk-client-mock: the general answer first, the one for a given input after it.
      glue.on(GetJobRunCommand).resolves({ JobRun: { JobRunState: 'SUCCEEDED' } });
      glue.on(GetJobRunCommand, { RunId: 'jr_a' }).resolves({ JobRun: { JobRunState: 'FAILED', ErrorMessage: 'OOM' } });
      await expect(waiting.run(spec, { attempt: 'execution-1' })).rejects.toThrow(GlueJobFailedError);
      expect((await waiting.run(spec, { attempt: 'execution-1' })).jobRunId).toBe('jr_b');
      expect((await waiting.run(spec, { attempt: 'execution-2' })).jobRunId).toBe('jr_c');
      expect((await waiting.run({ ...spec, sql: 'SELECT 2' }, { attempt: 'execution-2' })).jobRunId).toBe('jr_d');
      // The same execution and spec again: the succeeded run is reused, nothing starts.
      expect((await waiting.run({ ...spec, sql: 'SELECT 2' }, { attempt: 'execution-2' })).jobRunId).toBe('jr_d');
      expect(glue.commandCalls(StartJobRunCommand)).toHaveLength(4);
    });

    it('checks the run once and hands back at once when the invocation has no time left to wait', async () => {
      const hurried = new GlueJobRunner(new GlueClient({ region: 'sa-east-1' }), {
        jobName: 'consolidate',
        specStore: store,
        sleep: async () => expect.fail('must not sleep'),
      });
      glue.on(StartJobRunCommand).resolves({ JobRunId: 'jr_now' });
      glue.on(GetJobRunCommand).resolves({ JobRun: { JobRunState: 'STARTING' } });
      await expect(hurried.run(spec, { waitMs: 0 })).rejects.toThrow('run jr_now is still STARTING after 0 s');
      expect(glue.commandCalls(GetJobRunCommand)).toHaveLength(1);
    });
  });
});
