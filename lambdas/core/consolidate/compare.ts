// The one total order of cell values shared by the TypeScript engine and the generated SQL: numbers
// numerically, longs and decimals exactly (bigints), timestamps and dates by instant, false < true, and strings by Unicode code point
// (the byte order of UTF-8, which is how DuckDB, Trino and Spark compare VARCHAR by default).
import type { CellValue } from '../columnar/types.js';

/** Compares two present values of the same column; longs and decimals (bigint, unscaled at one scale) exactly. */
export function compareValues(a: CellValue, b: CellValue): number {
  if (typeof a === 'string') return compareStrings(a, b as string);
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    const x = typeof a === 'bigint' ? a : BigInt(a as number);
    const y = typeof b === 'bigint' ? b : BigInt(b as number);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const x = toNumber(a);
  const y = toNumber(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function toNumber(v: CellValue): number {
  if (typeof v === 'number') return v;
  if (v instanceof Date) return v.getTime();
  return v ? 1 : 0;
}

/** Code point order; UTF-16 code unit order differs only between surrogates and U+E000..U+FFFF. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        x = x < 0xe000 ? x + 0x2000 : x - 0x800;
        y = y < 0xe000 ? y + 0x2000 : y - 0x800;
      }
      return x < y ? -1 : 1;
    }
  }
  return a.length - b.length;
}
