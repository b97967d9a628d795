import { beforeAll, describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../lambdas/core/default-config.js';
import { runPipeline, synthesizePipeline, type GlueJobRunRequest, type SynthesizedPipeline } from '../../local/state-machine.js';
import { memoryRuntime } from '../support/memory-runtime.js';

const config = parsePipelineConfig(defaultPipelineConfig);
let pipeline: SynthesizedPipeline;

beforeAll(() => {
  pipeline = synthesizePipeline(config);
});

describe('the synthesized definition run locally', () => {
  it('is the CDK definition with its function ARNs resolved to the seven steps', () => {
    expect(pipeline.definition.StartAt).toBe('Plan');
    expect([...pipeline.stepByFunctionArn.values()].sort()).toEqual([
      'complete',
      'consolidate',
      'fail',
      'goldTables',
      'ingest',
      'plan',
      'refine',
    ]);
    const plan = pipeline.definition.States.Plan as any;
    expect(pipeline.stepByFunctionArn.get(plan.Parameters.FunctionName)).toBe('plan');
  });

  it('ingests and refines every source, consolidates, completes the journey and only then advances watermarks', async () => {
    const { runtime, journeys, watermarks, calls } = memoryRuntime(config);
    const outcome = await runPipeline(pipeline, runtime, { mode: 'daily' });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(calls.filter((c) => c.startsWith('ingest')).sort()).toEqual([
      'ingest animais',
      'ingest clientes',
      'ingest cotacoes',
      'ingest sor',
      'ingest sot',
    ]);
    expect(calls).toContain('consolidate db_batch.tbl_processado_operacao_consolidada_n1 20240314');
    const [journey] = [...journeys.values()];
    expect(journey!.status).toBe('COMPLETED');
    expect(journey!.steps.map((s) => `${s.name} ${s.source} ${s.status}`)).toContain('refine sor SUCCEEDED');
    expect(watermarks.get('sor')?.watermark).toBe('2024-03-15T00:00:00.000Z');
    const output = (outcome as { output: any }).output;
    expect(output.consolidations).toEqual([
      {
        consolidation: 'db_batch.tbl_processado_operacao_consolidada_n1',
        partitions: 1,
        on_glue: 0,
        rows_read: 16,
        rows_written: 12,
        rows_invalid: 0,
        first_anomesdia: '20240314',
        last_anomesdia: '20240314',
      },
    ]);
    expect(output.sources.find((s: any) => s.source === 'sor')).toEqual({
      source: 'sor',
      ingest: { rows_read: 10, rows_written: 8 },
      refine: { rows_read: 10, rows_written: 8, rows_invalid: 2, partitions: 1 },
      watermark: '2024-03-15T00:00:00.000Z',
    });
  });

  it('short-circuits a completed journey and reruns it with force', async () => {
    const { runtime, calls } = memoryRuntime(config);
    await runPipeline(pipeline, runtime, { mode: 'daily' });
    calls.length = 0;
    const again = await runPipeline(pipeline, runtime, { mode: 'daily' });
    expect(again).toMatchObject({ status: 'SUCCEEDED', output: { status: 'completed' } });
    expect(calls).toEqual([]);
    const forced = await runPipeline(pipeline, runtime, { mode: 'daily', force: true });
    expect(forced.status).toBe('SUCCEEDED');
    expect(calls.length).toBeGreaterThan(0);
  });

  describe('a partition on Glue', () => {
    const spec_uri = 's3://gold/_glue-specs/db_batch/tbl/anomesdia=20240314/run=r.json';
    /** Consolidate hands every partition to Glue; after the run, it publishes what the run wrote. */
    function onGlue() {
      const phases: (string | undefined)[] = [];
      const base = memoryRuntime(config);
      const built = memoryRuntime(config, {
        async consolidatePartition(request) {
          phases.push(request.phase);
          if (request.phase !== 'glue-output')
            return { anomesdia: request.anomesdia, glue: { spec_uri }, inputs: { sor: 1 }, expected_rows: 0 };
          return { ...(await base.runtime.consolidatePartition(request)), engine: 'glue' as const };
        },
      });
      return { ...built, phases };
    }

    it('hands it over, runs the job once and waits in Step Functions, then publishes its output; the journey records the wait', async () => {
      const { runtime, journeys, phases } = onGlue();
      const runs: GlueJobRunRequest[] = [];
      const outcome = await runPipeline(
        pipeline,
        runtime,
        { mode: 'daily', sources: ['sor', 'sot'] },
        { glue: async (request) => (runs.push(request), { Id: 'jr_1', JobRunState: 'SUCCEEDED', ExecutionTime: 5400 }) },
      );
      expect(outcome.status).toBe('SUCCEEDED');
      expect(runs).toEqual([{ JobName: 'LocalPipeline-consolidate', Arguments: { '--spec_uri': spec_uri } }]);
      expect(phases).toEqual([undefined, 'glue-output']);
      expect((outcome as { output: any }).output.consolidations[0]).toMatchObject({ partitions: 1, on_glue: 1, rows_written: 12 });
      const steps = [...journeys.values()][0]!.steps.filter((s) => s.name === 'consolidate');
      expect(steps.map((s) => `${s.status} ${s.message}`)).toEqual([
        `WAITING anomesdia 20240314 handed to Glue (spec ${spec_uri})`,
        'SUCCEEDED anomesdia 20240314 (glue run jr_1)',
        // The memory runtime's Gold tables keeps nothing, but the demo consolidation asks for them.
        'SUCCEEDED no gold tables to keep',
      ]);
    });

    it('fails the execution when the run fails, without starting a second run or publishing anything', async () => {
      const notes: unknown[] = [];
      const { runtime, journeys, phases } = onGlue();
      let runs = 0;
      const outcome = await runPipeline(
        pipeline,
        runtime,
        { mode: 'daily', sources: ['sor'] },
        {
          onNotify: (m) => notes.push(m),
          glue: async () => (runs++, { Id: 'jr_1', JobRunState: 'FAILED', ErrorMessage: 'Executor lost' }),
        },
      );
      expect(outcome).toMatchObject({ status: 'FAILED', error: 'States.TaskFailed' });
      expect(runs).toBe(1);
      expect(phases).toEqual([undefined]);
      const journey = [...journeys.values()][0]!;
      expect(journey.status).toBe('FAILED');
      expect(journey.error).toContain('Executor lost');
      expect(JSON.stringify(notes)).toContain('jr_1');
    });

    it('tries a start Glue refused for too many runs again, which started no run', async () => {
      const { runtime } = onGlue();
      const attempts: string[] = [];
      const outcome = await runPipeline(
        pipeline,
        runtime,
        { mode: 'daily', sources: ['sor'] },
        {
          glue: async () => {
            if (attempts.push('start') === 1)
              throw Object.assign(new Error('Concurrent runs exceeded for LocalPipeline-consolidate'), {
                name: 'Glue.ConcurrentRunsExceededException',
              });
            return { Id: 'jr_2', JobRunState: 'SUCCEEDED' };
          },
        },
      );
      expect(outcome.status).toBe('SUCCEEDED');
      expect(attempts).toHaveLength(2);
    });

    it('fails with a clear error when the local run reaches Glue, which it does not have', async () => {
      const { runtime } = onGlue();
      const outcome = await runPipeline(pipeline, runtime, { mode: 'daily', sources: ['sor'] });
      expect(outcome).toMatchObject({ status: 'FAILED', error: 'States.TaskFailed' });
      expect((outcome as { cause: string }).cause).toContain('Glue is not available locally');
    });
  });

  it('runs a year-long backfill within the 256 KB Step Functions allows a state, each gold partition in its own call', async () => {
    const uri = (layer: string, source: string, day: string, file: string) =>
      `s3://medallion-prod-${layer}-123456789012-sa-east-1/source=${source}/anomesdia=${day}/run=0123456789abcdef/${file}`;
    const base = memoryRuntime(config);
    const { runtime, journeys } = memoryRuntime(config, {
      async ingest(request) {
        const days = request.window.anomesdias;
        const summary = await base.runtime.ingest(request);
        return {
          ...summary,
          anomesdias: days,
          objects: days.flatMap((d) => [
            uri('bronze', request.source, d, 'part-00001.ndjson.gz'),
            uri('bronze', request.source, d, '_hashes/part-00001.bin'),
          ]),
        };
      },
      async refine(request) {
        const days = request.ingest.anomesdias ?? [];
        return {
          source: request.source,
          rows_read: 1000,
          rows_written: 990,
          rows_invalid: 10,
          anomesdias: days,
          objects: days.flatMap((d) => [
            uri('silver', request.source, d, 'part-00000.parquet'),
            uri('silver', `_quarantine/${request.source}`, d, 'rows.ndjson'),
          ]),
        };
      },
      async consolidatePartition(request) {
        const done = await base.runtime.consolidatePartition(request);
        return { ...done, congregado_version: 7, location: uri('gold', request.tabela, request.anomesdia, '') };
      },
    });
    const outcome = await runPipeline(pipeline, runtime, { mode: 'backfill', from: '2023-03-15', to: '2024-03-14' });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(base.calls.filter((c) => c.startsWith('consolidate'))).toHaveLength(366);
    const result = (outcome as { output: any }).output;
    expect(result.consolidations[0]).toMatchObject({ partitions: 366, rows_written: 366 * 12, first_anomesdia: '20230315' });
    expect(result.sources.find((s: any) => s.source === 'sor').refine).toEqual({
      rows_read: 1000,
      rows_written: 990,
      rows_invalid: 10,
      partitions: 366,
    });
    // Each partition's, and one for the gold tables kept from them all.
    expect([...journeys.values()][0]!.steps.filter((s) => s.name === 'consolidate')).toHaveLength(367);
  });

  it('fails like Step Functions when a state carries more than 256 KB, naming the state', async () => {
    const base = memoryRuntime(config);
    const { runtime } = memoryRuntime(config, {
      async ingest(request) {
        return { ...(await base.runtime.ingest(request)), message: 'x'.repeat(300_000) };
      },
    });
    const outcome = await runPipeline(pipeline, runtime, { mode: 'daily', sources: ['sor'] });
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    expect((outcome as { cause: string }).cause).toMatch(
      /^The task result of state "Ingest" is \d+ bytes, above the 262144 bytes Step Functions allows$/,
    );
  });

  it('retries a transient step error and succeeds', async () => {
    let failures = 1;
    const base = memoryRuntime(config);
    const { runtime, journeys } = memoryRuntime(config, {
      async ingest(request) {
        if (request.source === 'sot' && failures-- > 0) throw Object.assign(new Error('503 from the API'), { name: 'HttpError' });
        return base.runtime.ingest(request);
      },
    });
    const outcome = await runPipeline(pipeline, runtime, { mode: 'daily', sources: ['sot'] });
    expect(outcome.status).toBe('SUCCEEDED');
    const steps = [...journeys.values()][0]!.steps.filter((s) => s.name === 'ingest');
    expect(steps.map((s) => s.status)).toEqual(['FAILED', 'SUCCEEDED']);
  });

  it('marks the journey FAILED, notifies and fails the execution when a step keeps failing', async () => {
    const notes: unknown[] = [];
    const { runtime, journeys, watermarks } = memoryRuntime(config, {
      async refine() {
        throw Object.assign(new Error('bronze part is corrupt'), { name: 'CorruptBronzeError' });
      },
    });
    const outcome = await runPipeline(pipeline, runtime, { mode: 'daily', sources: ['sor'] }, { onNotify: (m) => notes.push(m) });
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'CorruptBronzeError' });
    const journey = [...journeys.values()][0]!;
    expect(journey.status).toBe('FAILED');
    expect(journey.error).toBe('CorruptBronzeError: bronze part is corrupt');
    expect(watermarks.size).toBe(0);
    expect(JSON.stringify(notes)).toContain('bronze part is corrupt');
  });

  it('fails a wrong input in Plan, naming the field, without retrying or touching any journey', async () => {
    const { runtime, journeys } = memoryRuntime(config);
    const outcome = await runPipeline(pipeline, runtime, { mode: 'backfill', from: '2024-13-01' });
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'PermanentError' });
    expect((outcome as { cause: string }).cause).toContain(
      'ExecutionInputError: Invalid execution input: from: expected YYYY-MM-DD, got \\"2024-13-01\\"',
    );
    expect(journeys.size).toBe(0);
  });
});
