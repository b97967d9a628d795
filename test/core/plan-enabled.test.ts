// `enabled: false` per source: kept in the config, left out of default plans and named as skipped.
import { describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../lambdas/core/default-config.js';
import { ExecutionInputError, planRun } from '../../lambdas/core/plan.js';

const paused = (...names: string[]) =>
  parsePipelineConfig({
    ...defaultPipelineConfig,
    sources: defaultPipelineConfig.sources!.map((s) => (names.includes(s.name) ? { ...s, enabled: false } : s)),
  });
const context = { now: new Date('2024-03-15T02:00:30Z'), watermarks: {} };

describe('planRun with disabled sources', () => {
  it('leaves a disabled source out of hourly and daily runs and names it as skipped', () => {
    const config = paused('clientes');
    for (const mode of ['hourly', 'daily'] as const) {
      const plan = planRun(config, { mode }, context);
      expect(plan.sources.map((s) => s.name)).toEqual(['sor', 'sot', 'cotacoes', 'animais']);
      expect(plan.skipped).toEqual(['clientes']);
    }
    expect(planRun(parsePipelineConfig(defaultPipelineConfig), { mode: 'daily' }, context).skipped).toEqual([]);
  });

  it('plans the same journey as a schedule input that names the enabled sources', () => {
    const config = paused('clientes');
    const byDefault = planRun(config, { mode: 'hourly' }, context);
    const named = planRun(config, { mode: 'hourly', sources: ['sor', 'sot', 'cotacoes', 'animais'] }, context);
    expect(named.runId).toBe(byDefault.runId);
  });

  it('refuses a disabled source named in the input, and a run when every source is disabled', () => {
    expect(() => planRun(paused('sot'), { mode: 'daily', sources: ['sot'] }, context)).toThrow(ExecutionInputError);
    expect(() => planRun(paused('sot'), { mode: 'daily', sources: ['sot'] }, context)).toThrow(/sources\[0\]: "sot" is disabled/);
    const none = paused(...defaultPipelineConfig.sources!.map((s) => s.name));
    expect(() => planRun(none, { mode: 'daily' }, context)).toThrow(/every source is disabled/);
  });

  it('keeps a disabled source in the config, so its tables are still declared', () => {
    expect(paused('clientes').sources.find((s) => s.name === 'clientes')?.enabled).toBe(false);
  });
});
