import { beforeAll, describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../lambdas/core/default-config.js';
import { runPipeline, synthesizePipeline, type SynthesizedPipeline } from '../../local/state-machine.js';
import { GlueJobStillRunningError } from '../../lambdas/ports/errors.js';
import { memoryRuntime } from '../support/memory-runtime.js';

const config = parsePipelineConfig(defaultPipelineConfig);
let pipeline: SynthesizedPipeline;

beforeAll(() => {
  pipeline = synthesizePipeline(config);
});

describe('the synthesized definition run locally', () => {
  it('is the CDK definition with its function ARNs resolved to the six steps', () => {
    expect(pipeline.definition.StartAt).toBe('Plan');
    expect([...pipeline.stepByFunctionArn.values()].sort()).toEqual(['complete', 'consolidate', 'fail', 'ingest', 'plan', 'refine']);
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
    expect(output.consolidations[0]).toMatchObject({ consolidation: 'db_batch.tbl_processado_operacao_consolidada_n1', rows_written: 12 });
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

  it('calls Consolidate again while its Glue run goes on, with the execution that lets it resume the run, and records the wait once', async () => {
    const attempts: (string | undefined)[] = [];
    const base = memoryRuntime(config);
    const { runtime, journeys } = memoryRuntime(config, {
      async consolidatePartition(request) {
        attempts.push(request.attempt);
        // The first call starts the run, the next ones resume it.
        if (attempts.length <= 3) throw new GlueJobStillRunningError('consolidate', 'jr_1', 'RUNNING', 240, attempts.length > 1);
        return base.runtime.consolidatePartition(request);
      },
    });
    const outcome = await runPipeline(pipeline, runtime, { mode: 'daily', sources: ['sor', 'sot'] });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(attempts).toHaveLength(4);
    expect(attempts[0]).toMatch(/^arn:aws:states:.*:execution:/);
    expect(new Set(attempts).size).toBe(1);
    const steps = [...journeys.values()][0]!.steps.filter((s) => s.name === 'consolidate');
    expect(steps.map((s) => s.status)).toEqual(['WAITING', 'SUCCEEDED']);
    expect(steps[0]!.error).toContain('Glue job consolidate run jr_1 is still RUNNING');
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
    expect(result.consolidations[0].partitions).toHaveLength(366);
    expect(result.consolidations[0].rows_written).toBe(366 * 12);
    const refined = result.sources.find((s: any) => s.source === 'sor').refine;
    expect(refined.objects).toHaveLength(20);
    expect(refined.objects_total).toBe(732);
    expect([...journeys.values()][0]!.steps.filter((s) => s.name === 'consolidate')).toHaveLength(366);
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
      /^The output of state "Ingest" is \d+ bytes, above the 262144 bytes Step Functions allows$/,
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
