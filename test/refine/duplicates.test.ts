import { describe, expect, it } from 'vitest';
import type { PlainValue } from '../../lambdas/core/refine/coerce.js';
import { DuplicateFinder, hashValues } from '../../lambdas/core/refine/duplicates.js';

const rows: PlainValue[][] = [
  ['a', 1, null, true],
  ['b', 1, null, true],
  ['a', 1, null, true],
  ['b', 1, null, true],
  ['a', -0, null, true],
  ['a', 0, null, true],
  ['a', 1, 'x', false],
];

describe('duplicate finder', () => {
  it.each([
    ['a real hash', hashValues],
    ['a hash where every row collides', () => 42],
  ])('finds exactly the rows equal in every value, with %s, and keeps the replacement', (_, hash) => {
    const finder = new DuplicateFinder(rows, hash);
    expect(rows.map((_, at) => finder.add(at))).toEqual([undefined, undefined, 0, 1, undefined, 4, undefined]);
    finder.replace(1, 3);
    finder.replace(4, 5);
    expect(finder.indexes().sort()).toEqual([0, 3, 5, 6]);
  });

  it('hashes values by type and content', () => {
    expect(hashValues(['1'])).not.toBe(hashValues([1]));
    expect(hashValues([null])).not.toBe(hashValues([false]));
    expect(hashValues(['ab', 'c'])).not.toBe(hashValues(['a', 'bc']));
    expect(hashValues([0])).toBe(hashValues([-0]));
    expect(Number.isSafeInteger(hashValues(['x', 2.5, true]))).toBe(true);
  });
});
