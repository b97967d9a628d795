// The Refine step with data-quality expectations: its summary (what travels in the state machine) and its
// journey step carry the bounded quality summary; a fail expectation fails the step with its error.
import { describe, expect, it } from 'vitest';
import { MAX_QUALITY_LISTED } from '../../lambdas/core/quality/expectations.js';
import { animal } from '../core/ingest/support.js';
import { refineSteps } from './refine-steps.js';

const records = [1, 2, 3].map((i) => animal(i));
const noSpecies = (name: string, action = 'warn') => ({ name, action, accepted_values: { field: 'especie', values: ['ovino'] } });

describe('Refine step with expectations', () => {
  it('puts the quality summary in its summary and journey step, the failed expectations named within a bound', async () => {
    const expectations = [
      { name: 'id_set', not_null: 'id_animal' },
      ...Array.from({ length: MAX_QUALITY_LISTED + 2 }, (_, i) => noSpecies(`species_${i}_${'x'.repeat(20)}`)),
    ];
    const { refine, journey, warnings } = await refineSteps(records, { expectations });
    expect(refine.quality).toMatchObject({ expectations: MAX_QUALITY_LISTED + 3, passed: 1, others: 2 });
    expect(refine.quality!.failed).toHaveLength(MAX_QUALITY_LISTED);
    expect(refine.quality!.failed[0]).toEqual({
      expectation: `species_0_${'x'.repeat(20)}`,
      action: 'warn',
      rows_checked: 3,
      rows_failed: 3,
    });
    expect(journey.steps.find((s) => s.name === 'refine')).toMatchObject({ status: 'SUCCEEDED', quality: refine.quality });
    expect(Buffer.byteLength(JSON.stringify(refine.quality))).toBeLessThan(1_000);
    expect(warnings).toHaveLength(1);
  });

  it('fails with the ExpectationFailedError of a fail expectation that did not hold', async () => {
    const run = refineSteps(records, { expectations: [noSpecies('only_ovino', 'fail')] });
    await expect(run).rejects.toThrow(/^Source animais, anomesdia 20240119: expectation "only_ovino" .* failed on 3 of 3 row\(s\)\./);
  });
});
