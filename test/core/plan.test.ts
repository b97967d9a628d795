import { describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../lambdas/core/default-config.js';
import { ExecutionInputError, anomesdiasOf, planRun, startOfBusinessDay } from '../../lambdas/core/plan.js';

const config = parsePipelineConfig(defaultPipelineConfig);
const saoPaulo = parsePipelineConfig({
  ...defaultPipelineConfig,
  schedules: { ...defaultPipelineConfig.schedules, businessTimezone: 'America/Sao_Paulo' },
});
const now = new Date('2024-03-15T02:00:30Z');
const noWatermarks = { now, watermarks: {} };

function inputError(fn: () => unknown): ExecutionInputError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ExecutionInputError) return err;
    throw err;
  }
  throw new Error('expected an ExecutionInputError');
}

describe('planRun daily', () => {
  it('takes D-1, the previous UTC day, with its one anomesdia', () => {
    const plan = planRun(config, { mode: 'daily' }, noWatermarks);
    expect(plan.window).toEqual({
      mode: 'daily',
      from: '2024-03-14T00:00:00.000Z',
      to: '2024-03-15T00:00:00.000Z',
      anomesdias: ['20240314'],
    });
    expect(plan.sources.map((s) => s.name)).toEqual(['sor', 'sot', 'clientes', 'cotacoes', 'animais']);
    expect(plan.consolidations).toEqual(['db_batch.tbl_processado_operacao_consolidada_n1']);
  });

  it('counts D-1 in the business timezone across the UTC day boundary', () => {
    // 02:00 UTC on the 15th is still 23:00 on the 14th in Sao Paulo (UTC-3), so D-1 is the 13th.
    const plan = planRun(saoPaulo, { mode: 'daily' }, noWatermarks);
    expect(plan.window.from).toBe('2024-03-13T03:00:00.000Z');
    expect(plan.window.to).toBe('2024-03-14T03:00:00.000Z');
    expect(plan.window.anomesdias).toEqual(['20240313']);
  });

  it('starts a day whose midnight DST skipped at its first existing minute', () => {
    // Sao Paulo jumped from 00:00 to 01:00 on 2018-11-04; that day began at 03:00 UTC and lasted 23 hours.
    expect(startOfBusinessDay('2018-11-04', 'America/Sao_Paulo')).toBe('2018-11-04T03:00:00.000Z');
    expect(startOfBusinessDay('2018-11-05', 'America/Sao_Paulo')).toBe('2018-11-05T02:00:00.000Z');
    expect(anomesdiasOf('2018-11-04T03:00:00.000Z', '2018-11-05T02:00:00.000Z', 'America/Sao_Paulo')).toEqual(['20181104']);
  });

  it('gives a daily run and a one-day backfill of the same day the same journey', () => {
    const daily = planRun(config, { mode: 'daily' }, noWatermarks);
    const backfill = planRun(config, { mode: 'backfill', from: '2024-03-14' }, noWatermarks);
    expect(backfill.runId).toBe(daily.runId);
  });
});

describe('planRun backfill', () => {
  it('takes the business days from..to inclusive', () => {
    const plan = planRun(saoPaulo, { from: '2024-02-28', to: '2024-03-01' }, noWatermarks);
    expect(plan.window).toEqual({
      mode: 'backfill',
      from: '2024-02-28T03:00:00.000Z',
      to: '2024-03-02T03:00:00.000Z',
      anomesdias: ['20240228', '20240229', '20240301'],
    });
  });

  it('keeps the same runId for the same range and sources whatever the order or force', () => {
    const a = planRun(config, { from: '2024-01-01', to: '2024-01-02', sources: ['sot', 'sor'] }, noWatermarks);
    const b = planRun(
      config,
      { from: '2024-01-01', to: '2024-01-02', sources: ['sor', 'sot'], force: true },
      { now: new Date(), watermarks: {} },
    );
    expect(b.runId).toBe(a.runId);
    expect(b.force).toBe(true);
    expect(planRun(config, { from: '2024-01-01', to: '2024-01-03' }, noWatermarks).runId).not.toBe(a.runId);
  });

  it('takes a backfill of up to limits.maxBackfillDays and refuses a longer one, naming the field and how to split it', () => {
    expect(planRun(config, { from: '2023-03-15', to: '2024-03-14' }, noWatermarks).window.anomesdias).toHaveLength(366);
    const err = inputError(() => planRun(config, { from: '2023-03-15', to: '2024-03-15' }, noWatermarks));
    expect(err.issues).toEqual([
      {
        path: 'to',
        message:
          'a backfill of 367 days (2023-03-15 to 2024-03-15) is longer than limits.maxBackfillDays (366); split it into executions of at most 366 days',
      },
    ]);
  });

  it('limits a subset of sources to the consolidations they feed', () => {
    expect(planRun(config, { mode: 'daily', sources: ['clientes'] }, noWatermarks).consolidations).toEqual([]);
    expect(planRun(config, { mode: 'daily', sources: ['sot'] }, noWatermarks).consolidations).toEqual([
      'db_batch.tbl_processado_operacao_consolidada_n1',
    ]);
  });
});

describe('planRun hourly', () => {
  it('takes each source from its watermark to now minus the lag, cut at the minute', () => {
    const plan = planRun(
      config,
      { mode: 'hourly' },
      { now: new Date('2024-03-15T10:05:42Z'), watermarks: { sor: '2024-03-15T09:00:00.000Z' } },
    );
    const sor = plan.sources.find((s) => s.name === 'sor')!;
    expect(sor.window).toEqual({
      mode: 'hourly',
      from: '2024-03-15T09:00:00.000Z',
      to: '2024-03-15T10:00:00.000Z',
      anomesdias: ['20240315'],
    });
    // A source that never ran starts at the beginning of the previous business day.
    expect(plan.sources.find((s) => s.name === 'sot')!.window.from).toBe('2024-03-14T00:00:00.000Z');
    expect(plan.window.from).toBe('2024-03-14T00:00:00.000Z');
    expect(plan.window.anomesdias).toEqual(['20240314', '20240315']);
  });

  it('defaults to hourly and plans a duplicate schedule event as the same journey', () => {
    const a = planRun(config, {}, { now: new Date('2024-03-15T10:05:01Z'), watermarks: {} });
    const b = planRun(
      config,
      { mode: 'hourly' },
      { now: new Date('2024-03-15T10:05:59Z'), watermarks: { sor: '2024-03-15T09:00:00.000Z' } },
    );
    expect(a.window.mode).toBe('hourly');
    expect(b.runId).toBe(a.runId);
  });

  it('gives an empty window to a source whose watermark is already past the end', () => {
    const plan = planRun(
      config,
      { sources: ['sor'] },
      { now: new Date('2024-03-15T10:05:00Z'), watermarks: { sor: '2024-03-15T11:00:00.000Z' } },
    );
    expect(plan.sources[0]!.window).toMatchObject({ from: '2024-03-15T10:00:00.000Z', to: '2024-03-15T10:00:00.000Z', anomesdias: [] });
  });

  it('catches a watermark far behind up maxBackfillDays business days a run, the next run going on from there', () => {
    const capped = parsePipelineConfig({ ...defaultPipelineConfig, limits: { maxBackfillDays: 3 } });
    const now = new Date('2024-03-15T10:05:00Z');
    const plan = planRun(capped, { sources: ['sor'] }, { now, watermarks: { sor: '2024-01-10T06:00:00.000Z' } });
    expect(plan.sources[0]!.window).toEqual({
      mode: 'hourly',
      from: '2024-01-10T06:00:00.000Z',
      to: '2024-01-13T00:00:00.000Z',
      anomesdias: ['20240110', '20240111', '20240112'],
    });
    const next = planRun(capped, { sources: ['sor'] }, { now, watermarks: { sor: plan.sources[0]!.window.to } });
    expect(next.sources[0]!.window).toMatchObject({ from: '2024-01-13T00:00:00.000Z', to: '2024-01-16T00:00:00.000Z' });
    // Within the cap the window runs to now minus the lag, as before; the run's days are its sources' days.
    const both = planRun(
      capped,
      { sources: ['sor', 'sot'] },
      { now, watermarks: { sor: '2024-01-10T06:00:00.000Z', sot: '2024-03-14T23:00:00.000Z' } },
    );
    expect(both.sources[1]!.window.to).toBe('2024-03-15T10:00:00.000Z');
    expect(both.window).toEqual({
      mode: 'hourly',
      from: '2024-01-10T06:00:00.000Z',
      to: '2024-03-15T10:00:00.000Z',
      anomesdias: ['20240110', '20240111', '20240112', '20240314', '20240315'],
    });
  });

  it('uses the input now over the clock', () => {
    const plan = planRun(config, { mode: 'daily', now: '2024-01-10T12:00:00Z' }, noWatermarks);
    expect(plan.window.anomesdias).toEqual(['20240109']);
  });
});

describe('parseExecutionInput errors name the wrong field', () => {
  it.each([
    [{ mode: 'weekly' }, 'mode'],
    [{ from: '2024-13-01' }, 'from: expected YYYY-MM-DD, got "2024-13-01"'],
    [{ from: '2024-02-30' }, 'from: expected YYYY-MM-DD'],
    [{ mode: 'backfill' }, 'from: a backfill needs from'],
    [{ from: '2024-03-02', to: '2024-03-01' }, 'to: 2024-03-01 is before from 2024-03-02'],
    [{ mode: 'daily', from: '2024-03-01' }, 'from: from and to apply only to mode "backfill"'],
    [{ sources: ['sor', 'xyz'] }, 'sources[1]: "xyz" is not a declared source; declared: sor, sot, clientes, cotacoes, animais'],
    [{ consolidations: ['db.nope'] }, 'consolidations[0]: "db.nope" is not a declared consolidation'],
    [{ force: 'yes' }, 'force'],
    [{ now: 'yesterday' }, 'now: expected an ISO-8601 instant'],
    [{ mode: 'daily', sorces: ['sor'] }, 'sorces'],
  ])('rejects %j', (input, expected) => {
    const err = inputError(() => planRun(config, input, noWatermarks));
    expect(err.message).toContain(expected);
  });
});
