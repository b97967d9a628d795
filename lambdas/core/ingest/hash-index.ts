// Content-hash sets and the bronze hash index objects that make a rerun of a window add nothing new.
//
// Only the first 64 bits of each sha256 are kept: 8 bytes a record instead of a 64-character string
// (a million records take 16 MB, not 150 MB). Two different records of one source and day share a
// prefix with odds of about n^2 / 2^65, i.e. 3e-8 for a million records a day.
import { createHash } from 'node:crypto';
import { HashIndexFormatError } from './errors.js';

/** An open-addressing set of 64-bit keys held as (hi, lo) 32-bit pairs in one typed array. */
export class HashSet64 {
  private table: Uint32Array;
  private mask: number;
  private count = 0;
  private hasZero = false;

  constructor(expected = 1024) {
    let slots = 16;
    while (slots < expected * 2) slots *= 2;
    this.table = new Uint32Array(slots * 2);
    this.mask = slots - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Adds the key; true when it was not there yet. */
  add(hi: number, lo: number): boolean {
    if (hi === 0 && lo === 0) {
      // (0, 0) marks an empty slot, so that one key lives beside the table.
      if (this.hasZero) return false;
      this.hasZero = true;
      this.count++;
      return true;
    }
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    const added = insert(this.table, this.mask, hi, lo);
    if (added) this.count++;
    return added;
  }

  has(hi: number, lo: number): boolean {
    if (hi === 0 && lo === 0) return this.hasZero;
    const t = this.table;
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
    for (;;) {
      const h = t[i * 2]!;
      const l = t[i * 2 + 1]!;
      if (h === 0 && l === 0) return false;
      if (h === hi >>> 0 && l === lo >>> 0) return true;
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const old = this.table;
    const slots = (this.mask + 1) * 2;
    this.table = new Uint32Array(slots * 2);
    this.mask = slots - 1;
    for (let i = 0; i < old.length; i += 2) {
      const h = old[i]!;
      const l = old[i + 1]!;
      if (h !== 0 || l !== 0) insert(this.table, this.mask, h, l);
    }
  }
}

function insert(t: Uint32Array, mask: number, hi: number, lo: number): boolean {
  hi >>>= 0;
  lo >>>= 0;
  let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
  for (;;) {
    const h = t[i * 2]!;
    const l = t[i * 2 + 1]!;
    if (h === 0 && l === 0) {
      t[i * 2] = hi;
      t[i * 2 + 1] = lo;
      return true;
    }
    if (h === hi && l === lo) return false;
    i = (i + 1) & mask;
  }
}

/** A growable list of 64-bit keys, to be written as a hash index. */
export class HashList64 {
  private words = new Uint32Array(2048);
  private n = 0;

  get length(): number {
    return this.n;
  }

  push(hi: number, lo: number): void {
    if ((this.n + 1) * 2 > this.words.length) {
      const next = new Uint32Array(this.words.length * 2);
      next.set(this.words);
      this.words = next;
    }
    this.words[this.n * 2] = hi >>> 0;
    this.words[this.n * 2 + 1] = lo >>> 0;
    this.n++;
  }

  /** Big-endian (hi, lo) pairs, 8 bytes a key. */
  toBytes(): Uint8Array {
    const out = new Uint8Array(this.n * 8);
    const view = new DataView(out.buffer);
    for (let i = 0; i < this.n; i++) {
      view.setUint32(i * 8, this.words[i * 2]!);
      view.setUint32(i * 8 + 4, this.words[i * 2 + 1]!);
    }
    return out;
  }
}

// ---- the hash index object: a JSON header (which parts it commits) followed by the 8-byte keys ----

const MAGIC = 'MHX1';

export interface HashIndexHeader {
  version: 1;
  source: string;
  anomesdia: string;
  runId: string;
  /** The bronze part objects this index commits, in write order. */
  parts: string[];
  records: number;
  /** sha256 over the committed records' content hashes (hex text), in write order. */
  digest: string;
  created_at: string;
}

export function encodeHashIndex(header: HashIndexHeader, keys: HashList64): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const body = keys.toBytes();
  const out = new Uint8Array(8 + json.length + body.length);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(4, json.length);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}

export function decodeHashIndex(
  bytes: Uint8Array,
  uri: string,
): { header: HashIndexHeader; forEachKey(fn: (hi: number, lo: number) => void): void } {
  if (bytes.length < 8 || new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC)
    throw new HashIndexFormatError(uri, 'no MHX1 signature');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(4);
  if (8 + headerLength > bytes.length) throw new HashIndexFormatError(uri, 'header longer than the object');
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as HashIndexHeader;
  const start = 8 + headerLength;
  if ((bytes.length - start) % 8 !== 0) throw new HashIndexFormatError(uri, 'key section is not a whole number of 8-byte keys');
  return {
    header,
    forEachKey(fn) {
      for (let at = start; at < bytes.length; at += 8) fn(view.getUint32(at), view.getUint32(at + 4));
    },
  };
}

/** A running sha256 over content hashes, the digest a manifest and an index carry. */
export function newDigest() {
  return createHash('sha256');
}
