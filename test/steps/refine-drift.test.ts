// The Refine step under schema drift: its summary (what travels in the state machine) and its journey step
// carry the bounded counts, and the processing log warns once, naming the fields.
import { describe, expect, it } from 'vitest';
import { MAX_DRIFT_FIELDS } from '../../lambdas/core/refine/drift.js';
import { animal } from '../core/ingest/support.js';
import { refineSteps } from './refine-steps.js';

const steps = (records: Record<string, unknown>[]) => refineSteps(records, { keepExtra: true });

describe('Refine step with schema drift', () => {
  it('puts the counts in its summary and journey step, and warns once naming the fields', async () => {
    const { refine, journey, warnings } = await steps([
      animal(1),
      { ...animal(2), cor: 'malhado' },
      { id_animal: 'A3', especie: 'ovino', dat_registro: animal(3).dat_registro, cor: 'branco' },
    ]);
    const drift = { records: 2, undeclared: { cor: 2 }, missing: { peso_kg: 1 } };
    expect(refine).toMatchObject({ source: 'animais', rows_read: 3, rows_written: 3, drift });
    expect(journey.steps.find((s) => s.name === 'refine')).toMatchObject({ status: 'SUCCEEDED', drift });
    expect(warnings.map((w) => w.message)).toEqual([
      'refine animais: 2 record(s) drifted from the declared fields: undeclared cor (2); missing peso_kg (1); declare the fields or set onDrift',
    ]);
  });

  it('keeps the counts small in the summary and the journey when every record brings keys of its own', async () => {
    const records = Array.from({ length: 500 }, (_, i) => ({ ...animal(i), [`campo_${i}_${'y'.repeat(300)}`]: i, [`outro_${i}`]: i }));
    const { refine, journey } = await steps(records);
    expect(Object.keys(refine.drift!.undeclared)).toHaveLength(MAX_DRIFT_FIELDS);
    expect(refine.drift).toMatchObject({ records: 500, others: 1000 - MAX_DRIFT_FIELDS });
    expect(Buffer.byteLength(JSON.stringify(refine.drift))).toBeLessThan(2_000);
    expect(Buffer.byteLength(JSON.stringify(journey.steps.find((s) => s.name === 'refine')))).toBeLessThan(5_000);
  });
});
