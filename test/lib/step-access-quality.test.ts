// The lake prefixes of the steps that check expectations: refine (silver) and consolidate (gold) may add files to quality_results, and only add them.
import { describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../lambdas/core/default-config.js';
import { lakeTables } from '../../lambdas/core/lake/layout.js';
import { stepLakeAccess } from '../../lib/constructs/step-access.js';

const withExpectations = parsePipelineConfig({
  ...defaultPipelineConfig,
  sources: defaultPipelineConfig.sources.map((s) =>
    s.name === 'sor' ? { ...s, expectations: [{ name: 'oper_set', not_null: 'num_oper' }] } : s,
  ),
});

describe('quality_results in the lake', () => {
  it('is a silver table only when a source has expectations, which refine may write to and never delete from', () => {
    const quality = (config: typeof withExpectations) =>
      (stepLakeAccess(config).refine.silver ?? []).filter((a) => a.prefix === '_quality_results/');
    expect(quality(withExpectations)).toEqual([{ prefix: '_quality_results/', access: ['write'] }]);
    expect(
      lakeTables(withExpectations)
        .filter((t) => t.name === 'quality_results')
        .map((t) => `${t.layer} ${t.database}`),
    ).toEqual(['silver db_silver']);
    const plain = parsePipelineConfig({
      ...defaultPipelineConfig,
      sources: defaultPipelineConfig.sources.map((s) => ({ ...s, expectations: [] })),
      consolidations: defaultPipelineConfig.consolidations!.map((c) => ({ ...c, expectations: [] })),
    });
    expect(quality(plain)).toEqual([]);
    expect(lakeTables(plain).map((t) => t.name)).not.toContain('quality_results');
  });

  it('is there too when only a consolidation has expectations: consolidate may add to it, refine may not touch it', () => {
    const goldOnly = parsePipelineConfig({
      ...defaultPipelineConfig,
      sources: defaultPipelineConfig.sources.map((s) => ({ ...s, expectations: [] })),
    });
    const access = stepLakeAccess(goldOnly);
    const of = (list: readonly { prefix: string }[] | undefined) => (list ?? []).filter((a) => a.prefix === '_quality_results/');
    expect(of(access.consolidate.silver)).toEqual([{ prefix: '_quality_results/', access: ['write'] }]);
    expect(of(access.refine.silver)).toEqual([]);
    expect(lakeTables(goldOnly).map((t) => t.name)).toContain('quality_results');
  });
});
