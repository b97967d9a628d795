import { describe, expect, it } from 'vitest';
import { readParquet } from '../../lambdas/core/parquet.js';
import { encodeStrings, writeSilverParquet } from '../../lambdas/core/refine/silver-parquet.js';

describe('silver Parquet writer', () => {
  it('encodes strings as UTF-8 views, for few and for many distinct values, keeping nulls', () => {
    const decode = (xs: (Uint8Array | null)[]) => xs.map((x) => (x === null ? null : Buffer.from(x).toString('utf8')));
    const few = Array.from({ length: 50 }, (_, i) => (i % 7 === 0 ? null : i % 2 ? 'BRL' : 'ação'));
    const many = Array.from({ length: 50 }, (_, i) => (i === 3 ? null : `v${i}-ç`));
    expect(decode(encodeStrings(few))).toEqual(few);
    expect(decode(encodeStrings(many))).toEqual(many);
  });

  it('writes plain values (times as epoch ms) that read back as the declared types', async () => {
    const columns = [
      { name: 's', type: 'string' as const },
      { name: 'l', type: 'long' as const },
      { name: 't', type: 'timestamp' as const },
      { name: 'd', type: 'date' as const },
      { name: 'm', type: 'decimal' as const, precision: 12, scale: 2 },
    ];
    const bytes = writeSilverParquet(columns, [
      ['é', null],
      [9007199254740000, null],
      [Date.UTC(2024, 0, 19, 10), null],
      [Date.UTC(1990, 4, 17), null],
      [1234.56, null],
    ]);
    const back = await readParquet(bytes);
    expect(back.data).toEqual({ s: ['é', null], l: [9007199254740000, null], t: [new Date(Date.UTC(2024, 0, 19, 10)), null], d: [new Date(Date.UTC(1990, 4, 17)), null], m: [1234.56, null] });
  });

  it('writes decimals above 18 digits too (through hyparquet-writer), reading back the same values', async () => {
    const columns = [
      { name: 'big', type: 'decimal' as const, precision: 24, scale: 2 },
      { name: 's', type: 'string' as const },
    ];
    const bytes = writeSilverParquet(columns, [
      [1234.56, null, -7.5],
      ['a', 'b', null],
    ]);
    const back = await readParquet(bytes);
    expect(back.data).toEqual({ big: [1234.56, null, -7.5], s: ['a', 'b', null] });
  });
});
