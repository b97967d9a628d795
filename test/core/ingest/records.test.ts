import { describe, expect, it } from 'vitest';
import { canonicalRecordJson, hashRecord } from '../../../lambdas/core/ingest/records.js';
import { canonicalJson, contentHash } from '../../../lambdas/core/hashing.js';

describe('canonical record JSON', () => {
  const cases: unknown[] = [
    { b: 1, a: 'x', c: null, d: true, e: undefined, f: 1.5e-7, g: Number.NaN },
    { a: 1, b: 2 },
    { z: { y: [3, { b: 1, a: undefined }], x: 'é"\n' }, a: [] },
    { when: new Date('2024-01-19T10:00:00Z'), n: 12n },
    [{ b: 1, a: 2 }, null, 'x'],
    {},
    // Flat and unsorted, with every kind of text JSON.stringify escapes or keeps, and numbers it writes apart.
    { s: 'plain', r: 'quote " and \\ backslash', q: 'tab\t nl\n nul\u0000 unit\u001f', p: 'del\u007f sep\u2028 é €' },
    { s: 'pair 😀', r: 'lone \ud800 high', q: 'lone \udfff low', p: 'ok' },
    { z: -0, y: Number.POSITIVE_INFINITY, x: -1.5e300, w: 1e21, v: 0.1, u: false, t: null, s: '' },
    { b: 'x', a: undefined },
    { b: 'x', a: () => 1 },
  ];
  it('matches hashing.canonicalJson for flat, unsorted, nested and odd records', () => {
    for (const c of cases) expect(canonicalRecordJson(c)).toBe(canonicalJson(c));
  });

  it('hashes a record by the sha256 of its canonical JSON, whatever its key order', () => {
    const a = hashRecord({ b: 1, a: 2 });
    expect(a.hex).toBe(contentHash({ a: 2, b: 1 }));
    expect(hashRecord({ a: 2, b: 1 }).hex).toBe(a.hex);
    expect([a.hi, a.lo]).toEqual([parseInt(a.hex.slice(0, 8), 16), parseInt(a.hex.slice(8, 16), 16)]);
  });

  it('stays canonical when key orders repeat, change, nest and come back (the last order is remembered)', () => {
    const sequence: Record<string, unknown>[] = [
      { b: 1, a: 2, c: 3 },
      { b: 4, a: 5, c: 6 },
      { b: { d: 1, c: 2 }, a: 5, c: 6 },
      { a: 1, b: 2, c: 3 },
      { b: 7, a: 8, c: 9 },
      { b: 7, a: 8 },
      { b: 7, a: 8, c: 9, d: 0 },
      { c: 1, a: 2, b: 3 },
    ];
    for (const record of sequence) expect(canonicalRecordJson(record)).toBe(canonicalJson(record));
  });
});
