// Schema drift of a source's bronze records against its declared fields: per field, the records that
// carried an undeclared top-level key and those that lacked a declared field, counted within a bound.
import { canonicalJson } from '../hashing.js';
import type { FieldConfig } from '../config.js';
import { compileFieldReader, pathSteps } from './record-path.js';

/**
 * Field names kept in one drift count, undeclared and missing together; further ones add up in `others`.
 * The counts travel in each refine's step summary (the state machine's 256 KB) and journey step (200 KB of
 * steps): a source that sends random keys must not grow them. At 40 sources with the longest names in
 * multi-byte text they add about 30 KB to the largest state (test/reliability/limits.test.ts).
 */
export const MAX_DRIFT_FIELDS = 10;
/** Longer undeclared keys are cut to this many characters (and end in `…`), for the same reason. */
export const MAX_DRIFT_NAME_LENGTH = 40;

/** The silver column that keeps a record's undeclared top-level keys (a source with `keepExtra: true`). */
const EXTRA_COLUMN = '_extra';
/** `_extra` as a row value: JSON text, never required. */
export const EXTRA_FIELD: FieldConfig = { name: EXTRA_COLUMN, type: 'json', required: false };

/** What a refine found: records per field name, and the records in which anything drifted. */
export interface SchemaDrift {
  /** Records with at least one undeclared key or missing declared field. */
  records: number;
  /** Undeclared top-level key -> records that carried it. */
  undeclared: Record<string, number>;
  /** Declared field -> records whose value was absent (an explicit null is a value, not drift). */
  missing: Record<string, number>;
  /** Field-record counts past the first MAX_DRIFT_FIELDS names, which are not named. */
  others?: number;
}

/** Counts per field name within MAX_DRIFT_FIELDS names; past them, in `others`. */
class BoundedCounts {
  records = 0;
  readonly undeclared = new Map<string, number>();
  readonly missing = new Map<string, number>();
  others = 0;

  add(counts: Map<string, number>, key: string, n: number): void {
    const name = key.length > MAX_DRIFT_NAME_LENGTH ? `${key.slice(0, MAX_DRIFT_NAME_LENGTH - 1)}…` : key;
    const seen = counts.get(name);
    if (seen !== undefined) counts.set(name, seen + n);
    else if (this.undeclared.size + this.missing.size < MAX_DRIFT_FIELDS) counts.set(name, n);
    else this.others += n;
  }

  /** What was counted, or undefined when no record drifted. */
  result(): SchemaDrift | undefined {
    if (this.records === 0) return undefined;
    return {
      records: this.records,
      undeclared: Object.fromEntries(this.undeclared),
      missing: Object.fromEntries(this.missing),
      ...(this.others > 0 ? { others: this.others } : {}),
    };
  }
}

/**
 * Counts drift record by record. Records of a source mostly come with the same keys in the same order (JSON.parse
 * keeps the order sent): a record whose keys are those of the record before reuses what was found for them, at the
 * cost of one pass over its keys and a read per `path` field; other records are looked at key by key. A field reads
 * its `name`, or the first key of its `path`: nested keys under it are not checked, and a path ending anywhere short
 * of its value is missing. Records are parsed JSON, where a present key never holds undefined.
 */
export class DriftCounter {
  readonly declared: ReadonlySet<string>;
  private readonly named: string[];
  private readonly paths: { name: string; read: (record: Record<string, unknown>) => unknown }[];
  private readonly counts = new BoundedCounts();
  /** The keys of the last record looked at, and what they lack or add: its undeclared keys and absent `name` fields. */
  private keys: string[] = [];
  private undeclared: string[] = [];
  private missing: string[] = [];

  constructor(fields: readonly Pick<FieldConfig, 'name' | 'path'>[]) {
    this.declared = declaredKeys(fields);
    this.named = fields.filter((f) => f.path === undefined).map((f) => f.name);
    this.paths = fields.filter((f) => f.path !== undefined).map((f) => ({ name: f.name, read: compileFieldReader(f) }));
    this.learn({}, []);
  }

  /** Counts one record; true when it carried an undeclared top-level key. */
  count(record: Record<string, unknown>): boolean {
    // Object.keys of a parsed record comes from V8's enum cache: cheaper than a for...in walk (measured).
    const keys = Object.keys(record);
    let same = keys.length === this.keys.length;
    for (let i = 0; same && i < keys.length; i++) same = keys[i] === this.keys[i];
    if (!same) this.learn(record, keys);
    let pathMissing = false;
    for (let i = 0; !pathMissing && i < this.paths.length; i++) pathMissing = this.paths[i]!.read(record) === undefined;
    if (this.undeclared.length === 0 && this.missing.length === 0 && !pathMissing) return false;
    const c = this.counts;
    c.records++;
    for (const key of this.undeclared) c.add(c.undeclared, key, 1);
    for (const name of this.missing) c.add(c.missing, name, 1);
    if (pathMissing) for (const f of this.paths) if (f.read(record) === undefined) c.add(c.missing, f.name, 1);
    return this.undeclared.length > 0;
  }

  result(): SchemaDrift | undefined {
    return this.counts.result();
  }

  private learn(record: Record<string, unknown>, keys: string[]): void {
    this.keys = keys;
    this.undeclared = this.keys.filter((k) => !this.declared.has(k));
    this.missing = this.named.filter((name) => record[name] === undefined);
  }
}

/** A record's undeclared top-level keys as canonical JSON (sorted keys), or null when it has none: its `_extra` cell. */
export function extraJson(record: Record<string, unknown>, declared: ReadonlySet<string>): string | null {
  let extra: Record<string, unknown> | undefined;
  for (const key of Object.keys(record)) if (!declared.has(key)) (extra ??= {})[key] = record[key];
  return extra === undefined ? null : canonicalJson(extra);
}

/** The top-level keys the fields read: a field's `name`, or the first key of its `path`. */
export function declaredKeys(fields: readonly Pick<FieldConfig, 'name' | 'path'>[]): Set<string> {
  return new Set(fields.map((f) => (f.path === undefined ? f.name : String(pathSteps(f.path)[0]))));
}

/** Partitions' drift as one, within the same bound: a refine's counts over its days. */
export function mergeDrift(drifts: readonly (SchemaDrift | undefined)[]): SchemaDrift | undefined {
  const c = new BoundedCounts();
  for (const d of drifts) {
    if (!d) continue;
    c.records += d.records;
    c.others += d.others ?? 0;
    for (const [name, n] of Object.entries(d.undeclared)) c.add(c.undeclared, name, n);
    for (const [name, n] of Object.entries(d.missing)) c.add(c.missing, name, n);
  }
  return c.result();
}

/** `undeclared coupon (12), note (3); missing status (3); 2 more field-records`: the fields and their record counts, for people. */
export function describeDrift(drift: SchemaDrift): string {
  const list = (counts: Record<string, number>) =>
    // Most records first, then by name: the same text whatever order a store gives the keys back in.
    Object.entries(counts)
      .sort(([a, m], [b, n]) => n - m || (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, n]) => `${name} (${n})`)
      .join(', ');
  return [
    Object.keys(drift.undeclared).length > 0 ? `undeclared ${list(drift.undeclared)}` : '',
    Object.keys(drift.missing).length > 0 ? `missing ${list(drift.missing)}` : '',
    drift.others ? `${drift.others} more field-record(s) not named` : '',
  ]
    .filter(Boolean)
    .join('; ');
}
