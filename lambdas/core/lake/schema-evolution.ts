// Schema evolution of a catalog table: a table's previous columns against the config's, as added, removed,
// widened, unchanged and incompatible columns. Pure: the schema lock at synth and the local catalog use it.
import { typeName } from '../columnar/schema.js';
import type { TableColumn } from '../columnar/types.js';
import { IncompatibleSchemaChangeError } from './errors.js';

/** The columns of one catalog table as a lock or a catalog keeps them. */
export interface TableSchema {
  database: string;
  name: string;
  columns: readonly TableColumn[];
  partitionKeys: readonly string[];
}

export interface TableEvolution {
  /** `database.name` */
  table: string;
  added: TableColumn[];
  removed: TableColumn[];
  widened: { from: TableColumn; to: TableColumn }[];
  incompatible: IncompatibleSchemaChangeError[];
}

/** A json field is stored as its text: the same column as a string to every reader. */
const stored = (c: TableColumn): TableColumn => (c.type === 'json' ? { ...c, type: 'string' } : c);

const NUMERIC_WIDENINGS: Record<string, readonly string[]> = {
  integer: ['long', 'double'],
  // A long above 2^53 reads as the nearest double: the issue's integer -> long -> double path, documented as such.
  long: ['double'],
};

/**
 * Whether every value stored as `from` reads as `to`: Athena casts a Parquet partition's column to the
 * table's type when the cast is defined (its "compatible types"), DuckDB casts in the local views. Decimals
 * widen when neither the digits before nor after the point shrink, so that no value changes.
 */
export function widens(from: TableColumn, to: TableColumn): boolean {
  const a = stored(from);
  const b = stored(to);
  if (a.type === 'decimal' && b.type === 'decimal') {
    const [p, s, p2, s2] = [a.precision ?? 18, a.scale ?? 0, b.precision ?? 18, b.scale ?? 0];
    return s2 >= s && p2 - s2 >= p - s && (p2 !== p || s2 !== s);
  }
  return NUMERIC_WIDENINGS[a.type]?.includes(b.type) ?? false;
}

const sameType = (a: TableColumn, b: TableColumn) => typeName(stored(a)) === typeName(stored(b));

/** Compares a table's previous schema with the next one (same database and name). */
export function compareTableSchemas(previous: TableSchema, next: TableSchema): TableEvolution {
  const table = `${next.database}.${next.name}`;
  const before = new Map(previous.columns.map((c) => [c.name, c]));
  const after = new Map(next.columns.map((c) => [c.name, c]));
  const evolution: TableEvolution = { table, added: [], removed: [], widened: [], incompatible: [] };
  const keys = (t: TableSchema) => t.partitionKeys.join(', ');
  if (keys(previous) !== keys(next))
    evolution.incompatible.push(new IncompatibleSchemaChangeError(table, 'partition keys', `(${keys(previous)})`, `(${keys(next)})`));
  for (const column of next.columns) {
    const old = before.get(column.name);
    if (!old) evolution.added.push(column);
    else if (sameType(old, column)) continue;
    else if (widens(old, column)) evolution.widened.push({ from: old, to: column });
    else evolution.incompatible.push(new IncompatibleSchemaChangeError(table, column.name, typeName(old), typeName(column)));
  }
  for (const column of previous.columns) if (!after.has(column.name)) evolution.removed.push(column);
  return evolution;
}

/** Whether the evolution changes anything at all. */
export function changesAnything(e: TableEvolution): boolean {
  return e.added.length + e.removed.length + e.widened.length + e.incompatible.length > 0;
}

/** `table db.t: added a, b; widened c integer -> long; removed d` (and `changed e long -> integer` for an incompatible change accepted on purpose). */
export function describeEvolution(e: TableEvolution): string {
  const parts = [
    e.added.length > 0 ? `added ${e.added.map((c) => c.name).join(', ')}` : '',
    e.widened.length > 0 ? `widened ${e.widened.map((w) => `${w.to.name} ${typeName(w.from)} -> ${typeName(w.to)}`).join(', ')}` : '',
    e.removed.length > 0 ? `removed ${e.removed.map((c) => c.name).join(', ')}` : '',
    e.incompatible.length > 0 ? `changed ${e.incompatible.map((x) => `${x.column} ${x.from} -> ${x.to}`).join(', ')}` : '',
  ].filter((p) => p !== '');
  return `table ${e.table}: ${parts.join('; ')}`;
}

/**
 * Every table of `next` against the same table in `previous` (by database and name). A table only in
 * `next` is new (no evolution); one only in `previous` is no longer declared and is left as it is.
 */
export function compareLakeSchemas(previous: readonly TableSchema[], next: readonly TableSchema[]): TableEvolution[] {
  const id = (t: TableSchema) => `${t.database}.${t.name}`;
  const old = new Map(previous.map((t) => [id(t), t]));
  return next.flatMap((t) => {
    const before = old.get(id(t));
    if (!before) return [];
    const evolution = compareTableSchemas(before, t);
    return changesAnything(evolution) ? [evolution] : [];
  });
}
