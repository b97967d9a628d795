import { describe, expect, it } from 'vitest';
import type { PlainValue } from '../../../lambdas/core/refine/coerce.js';
import { DuplicateFinder, hashValues, type HashedRows } from '../../../lambdas/core/refine/duplicates.js';

const rows: PlainValue[][] = [
  ['a', 1, null, true],
  ['b', 1, null, true],
  ['a', 1, null, true],
  ['b', 1, null, true],
  ['a', -0, null, true],
  ['a', 0, null, true],
  ['a', 1, 'x', false],
];

const sameValues = (a: number, b: number) => rows[a]!.every((v, j) => v === rows[b]![j]);

describe('duplicate finder', () => {
  it.each([
    ['a real hash', (row: number) => hashValues(rows[row]!)],
    ['a hash where every row collides', () => 42],
  ])('finds exactly the rows equal in every value, with %s, and keeps the replacement', (_, valueHash) => {
    const finder = new DuplicateFinder({ valueHash, sameValues });
    expect(rows.map((_, at) => finder.add(at))).toEqual([undefined, undefined, 0, 1, undefined, 4, undefined]);
    finder.replace(1, 3);
    finder.replace(4, 5);
    expect([...finder.indexes()]).toEqual([0, 3, 5, 6]);
    expect(() => finder.replace(1, 2)).toThrow('row 1 is not kept');
  });

  it('keeps finding duplicates as its table grows past many thousand rows, hashes colliding in the low bits', () => {
    const n = 20_000;
    // Every hash has the same low 16 bits: the probe sequences overlap heavily.
    const many: HashedRows = { valueHash: (row) => (row % (n / 2)) * 65_536 + 7, sameValues: (a, b) => a % (n / 2) === b % (n / 2) };
    const finder = new DuplicateFinder(many);
    const found = Array.from({ length: n }, (_, at) => finder.add(at));
    expect(found.slice(0, n / 2).every((x) => x === undefined)).toBe(true);
    expect(found.slice(n / 2)).toEqual(Array.from({ length: n / 2 }, (_, i) => i));
    expect(finder.indexes().length).toBe(n / 2);
  });

  it('hashes values by type and content', () => {
    expect(hashValues(['1'])).not.toBe(hashValues([1]));
    expect(hashValues([null])).not.toBe(hashValues([false]));
    expect(hashValues(['ab', 'c'])).not.toBe(hashValues(['a', 'bc']));
    expect(hashValues([0])).toBe(hashValues([-0]));
    // Longs and decimals (unscaled bigints) by their value: rows differing only there do not all share one hash.
    const exact = [1n, -1n, 2n ** 40n, 123456789012345678n, -(2n ** 63n), 2n ** 100n + 5n].map((v) => hashValues(['k', v]));
    expect(new Set(exact).size).toBe(exact.length);
    expect(hashValues([10n ** 20n])).toBe(hashValues([10n ** 20n]));
    expect(hashValues([0n])).not.toBe(hashValues([false]));
    // Below 2^53 the two words come from a double, above from BigInt: each word counts, either side, signs included.
    const words = [
      2n ** 32n,
      2n ** 32n + 1n,
      2n ** 52n,
      -(2n ** 52n),
      -(2n ** 32n),
      2n ** 53n + 2n ** 32n,
      2n ** 53n + 1n,
      -(2n ** 53n) - 1n,
    ];
    const hashed = [...words, 1n, -1n, 2n ** 53n - 1n].map((v) => hashValues([v]));
    expect(new Set(hashed).size).toBe(hashed.length);
    // The low word of -1 is all ones, as is that of 2^32 - 1: only the high word tells them apart.
    expect(hashValues([-1n])).not.toBe(hashValues([2n ** 32n - 1n]));
    expect(Number.isSafeInteger(hashValues(['x', 2.5, true]))).toBe(true);
  });
});
