// The file-drop debounce: created objects -> one execution per enabled files source, named by source and minute.
import { describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../../lambdas/core/default-config.js';
import { executionName, fileDropExecutions } from '../../../lambdas/core/ingest/file-drop-trigger.js';
import { planRun } from '../../../lambdas/core/plan.js';

const config = parsePipelineConfig({
  ...defaultPipelineConfig,
  sources: [
    ...defaultPipelineConfig.sources!,
    { ...defaultPipelineConfig.sources!.find((s) => s.kind === 'files')!, name: 'pausada', enabled: false },
  ],
});

const at = (second: number) => new Date(Date.UTC(2024, 0, 19, 10, 0, second)).toISOString();

describe('fileDropExecutions', () => {
  it('starts one execution for a thousand files of one source, named by the minute of the newest', () => {
    const objects = Array.from({ length: 1000 }, (_, i) => ({ key: `pending/animais/batch/f-${i}.ndjson`, time: at(i % 90) }));
    const plan = fileDropExecutions(config, objects);
    expect(plan.executions).toEqual([
      { name: 'filedrop-animais-20240119T1001', source: 'animais', input: { mode: 'hourly', sources: ['animais'] }, files: 1000 },
    ]);
    expect(plan.ignored).toEqual([]);
  });

  it('gives batches of the same source and minute the same name, and the next minute another', () => {
    const first = fileDropExecutions(config, [{ key: 'pending/animais/a.ndjson', time: at(1) }]);
    const again = fileDropExecutions(config, [{ key: 'pending/animais/b.ndjson', time: at(59) }]);
    const later = fileDropExecutions(config, [{ key: 'pending/animais/c.ndjson', time: at(61) }]);
    expect(again.executions[0]!.name).toBe(first.executions[0]!.name);
    expect(later.executions[0]!.name).not.toBe(first.executions[0]!.name);
  });

  it('ignores keys outside pending/, folder markers, unknown, http and disabled sources, saying why', () => {
    const plan = fileDropExecutions(config, [
      { key: 'done/animais/a.ndjson', time: at(0) },
      { key: 'pending/animais/', time: at(0) },
      { key: 'pending/nope/a.ndjson', time: at(0) },
      { key: 'pending/sor/a.ndjson', time: at(0) },
      { key: 'pending/pausada/a.ndjson', time: at(0) },
    ]);
    expect(plan.executions).toEqual([]);
    expect(plan.ignored.map((i) => i.reason)).toEqual([
      'not under pending/<source>/',
      'a folder marker',
      '"nope" is not a declared source',
      '"sor" is an http source, not a file drop',
      '"pausada" is disabled (enabled: false)',
    ]);
  });

  it('keeps execution names within Step Functions limits, long source names told apart', () => {
    const a = executionName('s'.repeat(70) + 'a', at(0));
    const b = executionName('s'.repeat(70) + 'b', at(0));
    expect(a).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    expect(a).not.toBe(b);
  });

  it('gives an input the plan accepts, planning just that source', () => {
    const [execution] = fileDropExecutions(config, [{ key: 'pending/animais/a.ndjson', time: at(0) }]).executions;
    const plan = planRun(config, execution!.input, { now: new Date(at(30)), watermarks: {} });
    expect(plan.sources.map((s) => s.name)).toEqual(['animais']);
    expect(plan.window.mode).toBe('hourly');
  });
});
