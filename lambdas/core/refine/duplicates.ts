// Exact duplicates among refined rows: an open-addressing table of row indexes keyed by a 52-bit hash
// of each row's values, equality confirmed value by value. No key text and no map entry per row.
import type { PlainValue } from './coerce.js';
import { InvariantError } from '../errors.js';

/** The rows the finder sees: a hash of each row's values and an equality of two rows. */
export interface HashedRows {
  valueHash(row: number): number;
  sameValues(a: number, b: number): boolean;
}

/**
 * Finds rows equal in every value to a row kept before. Rows whose hashes collide but whose values
 * differ are both kept: the probe goes on to the next slot.
 */
export class DuplicateFinder {
  /** Slot -> row index + 1 (0: empty); its size is a power of two, at most half full. */
  private slots = new Int32Array(1 << 12);
  private count = 0;

  constructor(private readonly rows: HashedRows) {}

  /** Keeps row `at` when it is new and returns undefined; else returns the kept row it equals. */
  add(at: number): number | undefined {
    const hash = this.rows.valueHash(at);
    const mask = this.slots.length - 1;
    for (let slot = hash % this.slots.length; ; slot = (slot + 1) & mask) {
      const held = this.slots[slot]!;
      if (held === 0) {
        this.slots[slot] = at + 1;
        if (++this.count * 2 > this.slots.length) this.grow();
        return undefined;
      }
      const other = held - 1;
      if (this.rows.valueHash(other) === hash && this.rows.sameValues(other, at)) return other;
    }
  }

  /** Keeps row `at` instead of the equal row `other`. */
  replace(other: number, at: number): void {
    const mask = this.slots.length - 1;
    for (let slot = this.rows.valueHash(other) % this.slots.length; this.slots[slot] !== 0; slot = (slot + 1) & mask)
      if (this.slots[slot] === other + 1) {
        this.slots[slot] = at + 1;
        return;
      }
    throw new InvariantError(`row ${other} is not kept`);
  }

  /** The kept rows' indexes, ascending. */
  indexes(): Uint32Array {
    const out = new Uint32Array(this.count);
    let n = 0;
    for (const held of this.slots) if (held !== 0) out[n++] = held - 1;
    return out.sort();
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    const mask = this.slots.length - 1;
    for (const held of old) {
      if (held === 0) continue;
      let slot = this.rows.valueHash(held - 1) % this.slots.length;
      while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
      this.slots[slot] = held;
    }
  }
}

const float = new Float64Array(1);
const floatWords = new Uint32Array(float.buffer);

/** Two 32-bit FNV-style hashes of the values, with their types, combined into a 52-bit integer. */
export function hashValues(values: readonly PlainValue[]): number {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (const v of values) {
    // A type tag, then the content; mixed inline (a closure per call would cost more than the hash).
    let tag: number;
    if (typeof v === 'string') {
      for (let i = 0; i < v.length; i++) {
        const c = v.charCodeAt(i);
        a = Math.imul(a ^ c, 0x01000193);
        b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
      }
      tag = 0x40000000 + v.length;
    } else if (typeof v === 'number') {
      // -0 and 0 are one value, as they were in the JSON text key.
      float[0] = v + 0;
      const lo = floatWords[0]!;
      a = Math.imul(a ^ lo, 0x01000193);
      b = Math.imul(b ^ lo, 0x5bd1e995) ^ (b >>> 15);
      tag = floatWords[1]! ^ 0x2545f491;
    } else if (typeof v === 'bigint') {
      // A long or a decimal's unscaled value: its low 64 bits (wider decimals that agree there are told apart by equality).
      // Within 2^53 (every decimal(15) and most values of any) the same two words come from a double, with no BigInt made.
      const n = Number(v);
      let lo: number;
      let hi: number;
      if (Number.isSafeInteger(n)) {
        hi = Math.floor(n / 0x100000000);
        lo = n - hi * 0x100000000;
      } else {
        lo = Number(BigInt.asUintN(32, v));
        hi = Number(BigInt.asUintN(32, v >> 32n));
      }
      a = Math.imul(a ^ lo, 0x01000193);
      b = Math.imul(b ^ lo, 0x5bd1e995) ^ (b >>> 15);
      tag = (hi ^ 0x3c6ef372) >>> 0;
    } else tag = v === null ? 3 : v ? 4 : 5;
    a = Math.imul(a ^ tag, 0x01000193);
    b = Math.imul(b ^ tag, 0x5bd1e995) ^ (b >>> 15);
  }
  return (a >>> 0) * 0x100000 + (b >>> 12);
}
