// Exact duplicates among refined rows, found without keeping a key text per row.
import type { PlainValue } from './coerce.js';

/**
 * Finds rows equal in every value to a row kept before. Rows are keyed by a 52-bit hash of their values
 * (no key text kept per row) and equality is confirmed value by value; rows whose hash meets other
 * values fall back to their JSON text as the key.
 */
export class DuplicateFinder {
  private readonly byHash = new Map<number, number>();
  private readonly byText = new Map<string, number>();

  /** `hash` is replaceable for tests (collisions); the default is hashValues. */
  constructor(
    private readonly values: readonly PlainValue[][],
    private readonly hash: (values: readonly PlainValue[]) => number = hashValues,
  ) {}

  /** Keeps row `at` when it is new and returns undefined; else returns the kept row it equals. */
  add(at: number): number | undefined {
    const row = this.values[at]!;
    const hash = this.hash(row);
    const other = this.byHash.get(hash);
    if (other === undefined) {
      this.byHash.set(hash, at);
      return undefined;
    }
    if (sameValues(this.values[other]!, row)) return other;
    const text = JSON.stringify(row);
    const kept = this.byText.get(text);
    if (kept === undefined) this.byText.set(text, at);
    return kept;
  }

  /** Keeps row `at` instead of the equal row `other`. */
  replace(other: number, at: number): void {
    const row = this.values[at]!;
    const hash = this.hash(row);
    if (this.byHash.get(hash) === other) this.byHash.set(hash, at);
    else this.byText.set(JSON.stringify(row), at);
  }

  indexes(): number[] {
    return [...this.byHash.values(), ...this.byText.values()];
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
    } else tag = v === null ? 3 : v ? 4 : 5;
    a = Math.imul(a ^ tag, 0x01000193);
    b = Math.imul(b ^ tag, 0x5bd1e995) ^ (b >>> 15);
  }
  return (a >>> 0) * 0x100000 + (b >>> 12);
}

function sameValues(x: readonly PlainValue[], y: readonly PlainValue[]): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
