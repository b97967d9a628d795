// Disabled sources named as skipped: in the Plan step's output, in the journey it begins, and in the local summary.
import { describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../lambdas/core/default-config.js';
import { planStep } from '../../lambdas/steps/plan.js';
import { formatSummary } from '../../local/summary.js';
import { memoryRuntime } from '../support/memory-runtime.js';

const config = parsePipelineConfig({
  ...defaultPipelineConfig,
  sources: defaultPipelineConfig.sources!.map((s) => (s.name === 'cotacoes' ? { ...s, enabled: false } : s)),
});

describe('Plan with a disabled source', () => {
  it('names it as skipped in its output and in the journey, and the local summary says so', async () => {
    const { runtime, journeys } = memoryRuntime(config);
    const out = await planStep({ input: { mode: 'daily' }, execution: 'exec-1' }, runtime);
    expect(out.sources.map((s) => s.name)).toEqual(['sor', 'sot', 'clientes', 'animais']);
    expect(out.skipped).toEqual(['cotacoes']);
    const journey = journeys.get(out.runId)!;
    expect(journey.params.skipped).toEqual(['cotacoes']);
    const text = formatSummary({
      outcome: 'completed',
      runId: out.runId,
      window: out.window,
      skipped: journey.params.skipped as string[],
      steps: [],
      congregados: [],
      durationMs: 1000,
      dataDir: '/tmp/x',
    });
    expect(text).toContain('Skipped (enabled: false in the config): cotacoes');
  });
});
