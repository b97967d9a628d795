// The partition day of a record: from the instant refine stores, in the business timezone, never the machine's.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AnomesdiaAssigner } from '../../../lambdas/core/ingest/anomesdia.js';
import { compileCoercer } from '../../../lambdas/core/refine/coerce.js';
import type { FieldConfig } from '../../../lambdas/core/config.js';

describe('AnomesdiaAssigner', () => {
  const tz = process.env.TZ;
  beforeEach(() => {
    // A process zone three hours behind UTC: a zone-less 23:30 read in local time would be the next UTC day.
    process.env.TZ = 'America/Sao_Paulo';
  });
  afterEach(() => {
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
  });

  it('reads a zone-less time in the declared zone whatever process.env.TZ says', () => {
    expect(new Date('2024-01-18T23:30:00').toISOString()).toBe('2024-01-19T02:30:00.000Z');
    expect(new AnomesdiaAssigner('UTC').of('2024-01-18T23:30:00')).toBe('20240118');
    expect(new AnomesdiaAssigner('Asia/Tokyo').of('2024-01-18T23:30:00')).toBe('20240118');
    expect(new AnomesdiaAssigner('Asia/Tokyo').of('2024-01-18T23:30:00Z')).toBe('20240119');
  });

  it('gives the day of the very instant refine stores, comma fractions and microseconds included', () => {
    const field: FieldConfig = { name: 'ts', type: 'timestamp', required: true };
    for (const zone of ['UTC', 'America/Sao_Paulo', 'Asia/Kolkata']) {
      const assigner = new AnomesdiaAssigner(zone);
      const coerce = compileCoercer([field], zone);
      for (const text of ['2024-01-18T23:30:00,5Z', '2024-01-18T23:59:59.999999', '2024-01-19T00:00:00.000001-03:00', '2024-01-18 21:00']) {
        const stored = coerce({ ts: text });
        expect(stored.ok, text).toBe(true);
        const micros = (stored as { values: number[] }).values[0]!;
        expect(assigner.of(text), `${text} in ${zone}`).toBe(assigner.ofInstant(Math.floor(micros / 1000)));
      }
    }
    expect(new AnomesdiaAssigner('UTC').of('2024-01-18T23:30:00,5Z')).toBe('20240118');
  });

  it('takes a number as a time only in the declared format', () => {
    expect(new AnomesdiaAssigner('UTC').of(1705620600000)).toBeUndefined();
    expect(new AnomesdiaAssigner('UTC', 'epoch_millis').of(1705620600000)).toBe('20240118');
    expect(new AnomesdiaAssigner('UTC', 'epoch_seconds').of(1705620600)).toBe('20240118');
    expect(new AnomesdiaAssigner('America/Sao_Paulo', 'epoch_seconds').of('1705620600')).toBe('20240118');
  });

  it('names a calendar date its own day, and no day for a day the month lacks', () => {
    expect(new AnomesdiaAssigner('Asia/Tokyo').of('2024-01-18')).toBe('20240118');
    expect(new AnomesdiaAssigner('UTC').of('2024-02-30T10:00:00Z')).toBeUndefined();
  });
});
