// Raw records: canonical JSON and content hashes at ingestion speed, and dot-path lookups in pages.
import * as crypto from 'node:crypto';
import { createHash } from 'node:crypto';

/** crypto.hash exists from Node.js 20.12. */
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

/**
 * The same text as hashing.canonicalJson (keys sorted at every depth, undefined dropped), written in
 * one pass without copying objects: it runs once per record, a million times per large window.
 */
export function canonicalRecordJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return value === undefined ? 'null' : scalar(value);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const v: unknown = value[i];
      // JSON.stringify writes null for undefined and functions inside arrays.
      out += v === undefined || typeof v === 'function' ? 'null' : canonicalRecordJson(v);
    }
    return out + ']';
  }
  const obj = value as Record<string, unknown>;
  let keys = Object.keys(obj);
  let sorted: boolean;
  // Records of one API share their key order: the sorted keys of the last order seen are reused.
  if (sameKeys(keys, shape.keys)) {
    sorted = shape.sorted;
    keys = shape.order;
  } else {
    const original = keys;
    sorted = isSorted(keys);
    if (!sorted) keys = [...keys].sort();
    shape = { keys: original, sorted, order: keys };
  }
  // A flat record (the usual API row) is written by the native JSON.stringify, several times faster.
  if (isFlat(obj, keys)) {
    if (sorted) return JSON.stringify(obj);
    const written = plainFlatJson(obj, keys);
    if (written !== undefined) return written;
    // A copy in key order beats a replacer allowlist, which takes JSON.stringify off its fast path.
    const copy: Record<string, unknown> = {};
    for (const key of keys) copy[key] = obj[key];
    return JSON.stringify(copy);
  }
  let out = '{';
  let first = true;
  for (const key of keys) {
    const v = obj[key];
    if (v === undefined || typeof v === 'function') continue;
    if (!first) out += ',';
    first = false;
    out += JSON.stringify(key) + ':' + canonicalRecordJson(v);
  }
  return out + '}';
}

function scalar(value: unknown): string {
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  return JSON.stringify(value) ?? 'null';
}

/** Every value a JSON scalar (or absent), and no key that JSON.stringify would treat apart. */
function isFlat(obj: Record<string, unknown>, keys: string[]): boolean {
  for (const key of keys) {
    const v = obj[key];
    const t = typeof v;
    if (t === 'bigint' || t === 'symbol' || (t === 'object' && v !== null)) return false;
    if (key === 'toJSON' || key === '__proto__') return false;
  }
  return true;
}

let shape: { keys: string[]; sorted: boolean; order: string[] } = { keys: [], sorted: true, order: [] };

/** Whether JSON.stringify writes the text between quotes as it is: no quote, backslash, control character or surrogate. */
function plainText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 34 || c === 92 || (c >= 0xd800 && c <= 0xdfff)) return false;
  }
  return true;
}
/** `{"key":` or `,"key":` for each key of the last sorted order, made once per order. */
let keyHeads: { order: string[]; heads: string[] } = { order: [], heads: [] };

/**
 * A flat record with keys out of order, written by concatenation in sorted order: the same text as
 * JSON.stringify of a sorted copy, without the copy. Strings needing an escape, undefined and anything
 * but a string, number, boolean or null leave it to that copy (undefined returned). Why: on the ingest
 * benchmark's records (nine fields, keys unsorted) the copy and its stringify cost about a third more.
 */
function plainFlatJson(obj: Record<string, unknown>, order: string[]): string | undefined {
  if (keyHeads.order !== order) keyHeads = { order, heads: order.map((k, i) => (i === 0 ? '{' : ',') + JSON.stringify(k) + ':') };
  const heads = keyHeads.heads;
  let out = '';
  for (let i = 0; i < order.length; i++) {
    const v = obj[order[i]!];
    if (typeof v === 'string') {
      if (!plainText(v)) return undefined;
      out += heads[i] + '"' + v + '"';
    } else if (typeof v === 'number') out += heads[i] + (Number.isFinite(v) ? String(v) : 'null');
    else if (typeof v === 'boolean') out += heads[i] + (v ? 'true' : 'false');
    else if (v === null) out += heads[i] + 'null';
    else return undefined;
  }
  return out + '}';
}

function sameKeys(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function isSorted(keys: string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1]! > keys[i]!) return false;
  return true;
}

/** The record's canonical JSON and the hex sha256 of it, with its first 64 bits as (hi, lo) for sets. */
export function hashRecord(record: Record<string, unknown>): { json: string; hex: string; hi: number; lo: number } {
  const json = canonicalRecordJson(record);
  // The one-shot crypto.hash costs a fifth of a createHash() object per record.
  const hex = oneShotHash ? oneShotHash('sha256', json, 'hex') : createHash('sha256').update(json).digest('hex');
  return { json, hex, hi: parseInt(hex.slice(0, 8), 16), lo: parseInt(hex.slice(8, 16), 16) };
}

/** The value at a dot path (`links.next`); '' is the value itself. */
export function getPath(value: unknown, path: string): unknown {
  if (path === '') return value;
  let node = value;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

export function isRecordObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
