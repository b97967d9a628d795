// An in-memory PipelineRuntime for state machine tests: journeys and watermarks in maps, fake source steps.
import type { PipelineConfig } from '../../lambdas/core/config.js';
import { JourneyLeaseLostError } from '../../lambdas/core/journey/errors.js';
import type { JourneyPort, JourneyRecord, WatermarkRecord } from '../../lambdas/ports/state-stores.js';
import type { PipelineRuntime } from '../../lambdas/steps/runtime.js';
import type { SourceStepSummary } from '../../lambdas/steps/types.js';

export function memoryRuntime(config: PipelineConfig, overrides: Partial<PipelineRuntime> = {}) {
  const journeys = new Map<string, JourneyRecord>();
  const watermarks = new Map<string, WatermarkRecord>();
  const calls: string[] = [];
  const now = () => new Date('2024-03-15T02:00:00Z');
  /** The journey, while `owner` holds it; as the controller, a stale holder's write changes nothing. */
  const held = (key: string, owner: string, action: string): JourneyRecord => {
    const journey = journeys.get(key)!;
    if (journey.owner !== owner || journey.status !== 'IN_PROGRESS') throw new JourneyLeaseLostError(key, owner, action, journey);
    return journey;
  };
  const journeyPort: JourneyPort = {
    async begin(key, params, { force, owner }) {
      const existing = journeys.get(key);
      if (existing?.status === 'COMPLETED' && !force) return { kind: 'completed', journey: existing };
      if (existing?.status === 'IN_PROGRESS' && existing.owner !== owner) return { kind: 'in_progress', journey: existing };
      const journey: JourneyRecord = {
        idempotency_key: key,
        job_name: 'medallion-pipeline',
        status: 'IN_PROGRESS',
        params,
        steps: [],
        owner,
        retry_count: existing ? existing.retry_count + 1 : 0,
        started_at: now().toISOString(),
        updated_at: now().toISOString(),
      };
      journeys.set(key, journey);
      return { kind: 'started', journey };
    },
    async renew(key, owner) {
      held(key, owner, 'renew');
    },
    async recordStep(key, owner, step) {
      held(key, owner, 'record a step of').steps.push(step);
    },
    async complete(key, owner, result) {
      Object.assign(held(key, owner, 'complete'), { status: 'COMPLETED', result });
    },
    async fail(key, owner, error) {
      const journey = journeys.get(key)!;
      if (journey.owner !== owner || journey.status !== 'IN_PROGRESS') return { journey, changed: false };
      Object.assign(journey, { status: 'FAILED', error });
      return { journey, changed: true };
    },
  };
  const summary = (source: string, extra: Partial<SourceStepSummary> = {}): SourceStepSummary => ({
    source,
    rows_read: 10,
    rows_written: 8,
    ...extra,
  });
  const runtime: PipelineRuntime = {
    config,
    journeys: journeyPort,
    watermarks: {
      async get(source) {
        return watermarks.get(source);
      },
      async advance(source, to, runId) {
        const current = watermarks.get(source);
        if (current && current.watermark >= to) return { advanced: false, current };
        const next = { source, watermark: to, updated_at: now().toISOString(), run_id: runId };
        watermarks.set(source, next);
        return { advanced: true, current: next };
      },
    },
    async ingest({ source, window }) {
      calls.push(`ingest ${source}`);
      return summary(source, { watermark_candidate: window.to });
    },
    async refine({ source, window }) {
      calls.push(`refine ${source}`);
      return summary(source, { rows_invalid: 2, anomesdias: window.anomesdias });
    },
    async consolidatePartition({ database, tabela, anomesdia }) {
      calls.push(`consolidate ${database}.${tabela} ${anomesdia}`);
      return { anomesdia, rows_read: 16, rows_written: 12 };
    },
    async refreshGoldTables({ consolidation, anomesdias }) {
      calls.push(`gold tables ${consolidation.database}.${consolidation.tabela_consolidada} ${anomesdias.join(',')}`);
      return { tables: [] };
    },
    now,
    ...overrides,
  };
  return { runtime, journeys, watermarks, calls };
}
