import { describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../lambdas/core/default-config.js';
import { describeStepError, failStep } from '../../lambdas/steps/fail.js';
import { JourneyInProgressError } from '../../lambdas/core/journey/errors.js';
import { StepEventError } from '../../lambdas/steps/errors.js';
import { completeStep } from '../../lambdas/steps/complete.js';
import { consolidateFunctionStep, consolidateStep } from '../../lambdas/steps/consolidate.js';
import { ingestStep } from '../../lambdas/steps/ingest.js';
import { planStep } from '../../lambdas/steps/plan.js';
import { memoryRuntime } from '../support/memory-runtime.js';

const config = parsePipelineConfig(defaultPipelineConfig);
const window = { mode: 'daily' as const, from: '2024-03-14T00:00:00.000Z', to: '2024-03-15T00:00:00.000Z', anomesdias: ['20240314'] };
const sourceResult = (source: string, anomesdias: string[], candidate?: string) => ({
  source,
  ingest: { value: { source, rows_read: 5, rows_written: 5, watermark_candidate: candidate } },
  refine: { value: { source, rows_read: 5, rows_written: 4, rows_invalid: 1, anomesdias } },
});

describe('planStep', () => {
  it('begins the journey of the planned window and returns the sources to process', async () => {
    const { runtime, journeys } = memoryRuntime(config);
    const out = await planStep({ input: { mode: 'daily' }, execution: 'exec-1' }, runtime);
    expect(out).toMatchObject({ status: 'started', window: { anomesdias: ['20240314'] } });
    expect(out.sources.map((s) => s.name)).toEqual(['sor', 'sot', 'clientes', 'cotacoes', 'animais']);
    expect(journeys.get(out.runId)).toMatchObject({ status: 'IN_PROGRESS', owner: 'exec-1' });
  });

  it('returns the stored result of a completed journey instead of starting it again', async () => {
    const { runtime } = memoryRuntime(config);
    const first = await planStep({ input: { mode: 'daily' } }, runtime);
    await runtime.journeys.complete(first.runId, 'local', { answer: 42 });
    const again = await planStep({ input: { mode: 'daily' } }, runtime);
    expect(again).toMatchObject({ status: 'completed', runId: first.runId, result: { answer: 42 } });
  });

  it('refuses a journey another execution holds', async () => {
    const { runtime } = memoryRuntime(config);
    await planStep({ input: { mode: 'daily' }, execution: 'exec-1' }, runtime);
    await expect(planStep({ input: { mode: 'daily' }, execution: 'exec-2' }, runtime)).rejects.toBeInstanceOf(JourneyInProgressError);
  });

  it('starts each hourly source at its own watermark', async () => {
    const { runtime } = memoryRuntime(config, { now: () => new Date('2024-03-15T10:05:00Z') });
    await runtime.watermarks.advance('sor', '2024-03-15T09:00:00.000Z');
    const out = await planStep({ input: {} }, runtime);
    expect(out.sources.find((s) => s.name === 'sor')!.window.from).toBe('2024-03-15T09:00:00.000Z');
  });
});

describe('source and consolidation steps', () => {
  it('records a step with its rows and duration in the journey', async () => {
    const { runtime, journeys } = memoryRuntime(config);
    const plan = await planStep({ input: { mode: 'daily' } }, runtime);
    await ingestStep({ runId: plan.runId, source: 'sor', window }, runtime);
    expect(journeys.get(plan.runId)!.steps[0]).toMatchObject({
      name: 'ingest',
      source: 'sor',
      layer: 'bronze',
      status: 'SUCCEEDED',
      rows_read: 10,
      rows_written: 8,
    });
  });

  it('rejects an event without the fields the state machine sends, naming them', async () => {
    const { runtime } = memoryRuntime(config);
    await expect(ingestStep({ runId: 'x', window }, runtime)).rejects.toThrow(StepEventError);
    await expect(ingestStep({ runId: 'x', window }, runtime)).rejects.toThrow(/source/);
  });

  it("lists every partition the origins wrote, late events included, ignoring other sources, and the window's days when they wrote none", async () => {
    const { runtime } = memoryRuntime(config);
    const table = 'db_batch.tbl_processado_operacao_consolidada_n1';
    const listed = await consolidateFunctionStep(
      {
        step: 'gold-partitions',
        runId: 'r',
        consolidation: table,
        window,
        sources: [sourceResult('sor', ['20240314', '20240313']), sourceResult('sot', ['20240314']), sourceResult('clientes', ['20240301'])],
      },
      runtime,
    );
    expect(listed).toEqual({ runId: 'r', consolidation: table, anomesdias: ['20240313', '20240314'] });
    const none = await consolidateFunctionStep(
      { step: 'gold-partitions', runId: 'r', consolidation: table, window, sources: [sourceResult('sor', [])] },
      runtime,
    );
    expect(none).toEqual({ runId: 'r', consolidation: table, anomesdias: window.anomesdias });
  });

  it('consolidates one partition per call, recording the step, and names an undeclared consolidation or a bad anomesdia', async () => {
    const { runtime, calls, journeys } = memoryRuntime(config);
    const plan = await planStep({ input: { mode: 'daily' }, execution: 'exec-1' }, runtime);
    const table = 'db_batch.tbl_processado_operacao_consolidada_n1';
    const out = await consolidateFunctionStep(
      { runId: plan.runId, execution: 'exec-1', consolidation: table, anomesdia: '20240313' },
      runtime,
    );
    expect(out).toEqual({ anomesdia: '20240313', rows_read: 16, rows_written: 12, rows_invalid: 0 });
    expect(calls).toEqual([`consolidate ${table} 20240313`]);
    expect(journeys.get(plan.runId)!.steps.at(-1)).toMatchObject({
      name: 'consolidate',
      source: table,
      status: 'SUCCEEDED',
      rows_written: 12,
      message: 'anomesdia 20240313',
    });
    await expect(
      consolidateStep({ runId: plan.runId, execution: 'exec-1', consolidation: 'db.nope', anomesdia: '20240313' }, runtime),
    ).rejects.toThrow('"db.nope" is not a declared consolidation');
    await expect(
      consolidateStep({ runId: plan.runId, execution: 'exec-1', consolidation: table, anomesdia: '2024-03-13' }, runtime),
    ).rejects.toThrow('anomesdia: expected yyyymmdd');
  });

  it("counts a consolidation's partitions, so that only the totals travel on", async () => {
    const { runtime } = memoryRuntime(config);
    const partitions = [
      { anomesdia: '20240314', rows_read: 16, rows_written: 12, rows_invalid: 1, engine: 'glue' },
      { anomesdia: '20240312', rows_read: 5, rows_written: 4, engine: 'lambda' },
    ];
    expect(await consolidateFunctionStep({ step: 'consolidation-result', consolidation: 'db.t', partitions }, runtime)).toEqual({
      consolidation: 'db.t',
      partitions: 2,
      on_glue: 1,
      rows_read: 21,
      rows_written: 16,
      rows_invalid: 1,
      first_anomesdia: '20240312',
      last_anomesdia: '20240314',
    });
    expect(await consolidateFunctionStep({ step: 'consolidation-result', consolidation: 'db.t', partitions: [] }, runtime)).toEqual({
      consolidation: 'db.t',
      partitions: 0,
      on_glue: 0,
      rows_read: 0,
      rows_written: 0,
      rows_invalid: 0,
    });
  });
});

describe('completeStep and failStep', () => {
  it('completes the journey with the result and advances each source to its candidate watermark', async () => {
    const { runtime, journeys, watermarks } = memoryRuntime(config);
    const plan = await planStep({ input: { mode: 'daily' } }, runtime);
    const result = await completeStep(
      {
        runId: plan.runId,
        sources: [sourceResult('sor', ['20240314'], '2024-03-15T00:00:00.000Z'), sourceResult('sot', [])],
        consolidations: [],
      },
      runtime,
    );
    expect(journeys.get(plan.runId)).toMatchObject({ status: 'COMPLETED', result });
    expect(watermarks.get('sor')?.watermark).toBe('2024-03-15T00:00:00.000Z');
    expect(watermarks.has('sot')).toBe(false);
  });

  it('marks the journey FAILED with the Lambda error message', async () => {
    const { runtime, journeys } = memoryRuntime(config);
    const plan = await planStep({ input: { mode: 'daily' }, execution: 'exec-1' }, runtime);
    const out = await failStep(
      {
        execution: 'exec-1',
        state: {
          plan: { value: plan },
          error: { Error: 'HttpError', Cause: JSON.stringify({ errorType: 'HttpError', errorMessage: 'GET /sor: 503' }) },
        },
      },
      runtime,
    );
    expect(out).toMatchObject({ status: 'FAILED', error: 'HttpError: GET /sor: 503' });
    expect(journeys.get(plan.runId)).toMatchObject({ status: 'FAILED', error: 'HttpError: GET /sor: 503' });
  });

  it('leaves journeys alone when the execution failed before beginning one', async () => {
    const { runtime, journeys } = memoryRuntime(config);
    const out = await failStep(
      { state: { mode: 'daily', from: 'x', error: { Error: 'ExecutionInputError', Cause: 'from: bad' } } },
      runtime,
    );
    expect(out.status).toBe('NOT_STARTED');
    expect(journeys.size).toBe(0);
  });

  it('describes an error whose cause is plain text or Lambda JSON', () => {
    expect(describeStepError({ Error: 'States.Timeout', Cause: 'took too long' })).toBe('States.Timeout: took too long');
    expect(describeStepError({ Error: 'TypeError', Cause: '{"errorType":"TypeError","errorMessage":"x is undefined"}' })).toBe(
      'TypeError: x is undefined',
    );
  });
});
