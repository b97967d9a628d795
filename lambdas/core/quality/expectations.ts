// Data-quality expectations on a silver or gold partition, after DLT's: each one a rule with an action (warn,
// drop, fail), compiled once per table and evaluated over the rows refine or consolidate is about to publish.
import {
  goldFields,
  type ConsolidationConfig,
  type ExpectationConfig,
  type FieldConfig,
  type PipelineConfig,
  type SourceConfig,
} from '../config.js';
import { EXPECTATION_RULES } from '../config.js';
import { cellAt, decimalText, isNumericColumn, timestampText } from '../columnar/columns.js';
import type { FlatTable } from '../columnar/types.js';
import { compileCoercer, type PlainValue } from '../refine/coerce.js';
import { DuplicateFinder, hashValues } from '../refine/duplicates.js';
import { ExpectationConfigError, type CheckedTable } from './errors.js';
import { InvariantError } from '../errors.js';

export type ExpectationAction = ExpectationConfig['action'];

/** One expectation on one partition. */
export interface ExpectationResult {
  expectation: string;
  /** The rule as people read it: `not_null(customer_id)`, `range(amount >= 0)`. */
  rule: string;
  action: ExpectationAction;
  rows_checked: number;
  /** Rows that broke a row rule; for a partition rule (row_count, freshness) every row when it does not hold, else 0. */
  rows_failed: number;
  /** Whether the rule held: no row broke it, or the partition met it (an empty partition can fail row_count). */
  passed: boolean;
  /** Partition rules: what was found (`80 rows, the previous day 200: -60%, beyond ±30%`). */
  detail?: string;
}

/**
 * A partition's rows by field index, as refine's RowStore holds them (its sortKey): numbers for integer, double,
 * boolean (1/0), date (epoch ms) and timestamp (epoch µs); bigints for long and decimal (unscaled); strings; null.
 */
export interface PartitionRows {
  sortKey(field: number): (row: number) => number | bigint | string | null;
}

export interface PartitionContext {
  /** The run's clock: freshness is measured against it. */
  now: Date;
  /** Rows of the previous day's published partition of the same table, when there is one (row_count previous_day_pct). */
  previousDayRows?: number | undefined;
}

/** Why a drop expectation took a row out: its quarantine entry's field and reason, and the expectation's name. */
export interface DroppedRow {
  field: string;
  reason: string;
  expectation: string;
}

export interface PartitionQuality {
  results: ExpectationResult[];
  /** Rows the drop expectations take out of the partition, each with the first one it broke (a quarantine reason). */
  dropped: Map<number, DroppedRow>;
  /** The fail expectations that did not hold: nothing of the partition may be published. */
  failed: ExpectationResult[];
}

type Value = number | bigint | string | null;
type RowTest = (value: Value) => boolean;

interface Compiled {
  config: ExpectationConfig;
  rule: string;
  /** The field named in a quarantine entry. */
  field: string;
  evaluate(rows: PartitionRows, order: Uint32Array, context: PartitionContext, failing?: (row: number) => void): PartitionOutcome;
}

interface PartitionOutcome {
  rows_failed: number;
  passed: boolean;
  detail?: string;
}

/** A table's expectations, ready to run on each of its partitions. */
export interface TableExpectations {
  /** Whether evaluate needs `previousDayRows` (a row_count previous_day_pct rule): read only then. */
  readonly needsPreviousDay: boolean;
  evaluate(rows: PartitionRows, order: Uint32Array, context: PartitionContext): PartitionQuality;
}

/** A table's expectations and the fields they name: a source, or a gold table (its fields config.ts's goldFields). */
export interface ExpectationTable extends CheckedTable {
  fields: readonly FieldConfig[];
  expectations: readonly ExpectationConfig[];
  /** Where its expectations are in the config, for messages: `sources.sor`, `consolidations.db_batch.tbl_x`. */
  at: string;
}

/** A source as the table its expectations check. */
export function sourceExpectations(source: SourceConfig): ExpectationTable {
  return { layer: 'silver', name: source.name, fields: source.fields, expectations: source.expectations, at: `sources.${source.name}` };
}

/** A consolidation's gold table as the table its expectations check: its columns, `origem` included. */
export function goldExpectations(config: PipelineConfig, c: ConsolidationConfig): ExpectationTable {
  const name = `${c.database}.${c.tabela_consolidada}`;
  return { layer: 'gold', name, fields: goldFields(c, config.sources), expectations: c.expectations, at: `consolidations.${name}` };
}

/** The fields an expectation reads (none for row_count). */
export function expectationFields(e: ExpectationConfig): string[] {
  return [
    ...(e.not_null !== undefined ? [e.not_null] : []),
    ...(e.unique ?? []),
    ...[e.accepted_values, e.range, e.regex, e.freshness].flatMap((r) => (r ? [r.field] : [])),
  ];
}

/**
 * A table's rows as the expectations read them (PartitionRows): a number for integer, double, boolean (1/0),
 * date (epoch ms) and timestamp (epoch µs), a bigint for long and decimal (unscaled), a string, or null.
 */
export function flatTableRows(table: FlatTable, fields: readonly FieldConfig[]): PartitionRows {
  return {
    sortKey(j) {
      const name = fields[j]!.name;
      const column = table.columns.find((c) => c.name === name);
      if (!column) throw new InvariantError(`the rows checked hold no column ${name}, which an expectation reads`);
      const data = table.data[name];
      // A numeric column already holds the forms the rules compare (1/0, epoch ms, epoch µs): no cell made per row.
      if (data !== undefined && isNumericColumn(data)) return (row) => (data.present[row] ? data.numbers[row]! : null);
      return (row) => {
        const v = cellAt(column.type, data, row);
        return v === null ? null : typeof v === 'boolean' ? (v ? 1 : 0) : v instanceof Date ? v.getTime() : v;
      };
    },
  };
}

/**
 * Compiles a table's expectations; undefined when it has none (the caller then does nothing more). Values and
 * bounds are read by their field's own coercion, so a bound compares as the stored value does; `timeZone`
 * reads a zone-less timestamp bound as refine reads the field (schedules.businessTimezone).
 */
export function compileExpectations(table: ExpectationTable, timeZone = 'UTC'): TableExpectations | undefined {
  if (table.expectations.length === 0) return undefined;
  const compiled = table.expectations.map((e, i) => compileOne(table, e, `${table.at}.expectations[${i}]`, timeZone));
  return {
    needsPreviousDay: table.expectations.some((e) => e.row_count && 'previous_day_pct' in e.row_count),
    evaluate(rows, order, context) {
      const dropped = new Map<number, DroppedRow>();
      const results = compiled.map((c): ExpectationResult => {
        const reason = `expectation "${c.config.name}" failed: ${c.rule}`;
        // A row keeps the first drop expectation it broke as its reason; every expectation still counts it.
        const failing =
          c.config.action === 'drop'
            ? (row: number) => void (dropped.has(row) || dropped.set(row, { field: c.field, reason, expectation: c.config.name }))
            : undefined;
        const outcome = c.evaluate(rows, order, context, failing);
        return {
          expectation: c.config.name,
          rule: c.rule,
          action: c.config.action,
          rows_checked: order.length,
          rows_failed: outcome.rows_failed,
          passed: outcome.passed,
          ...(outcome.detail !== undefined ? { detail: outcome.detail } : {}),
        };
      });
      return { results, dropped, failed: results.filter((r) => r.action === 'fail' && !r.passed) };
    },
  };
}

function compileOne(table: ExpectationTable, e: ExpectationConfig, at: string, timeZone: string): Compiled {
  const index = (name: string) => table.fields.findIndex((f) => f.name === name);
  const field = (name: string) => table.fields[index(name)]!;
  const literal = (name: string, value: string | number | boolean, path: string) =>
    storedValue(table, field(name), value, `${at}.${path}`, timeZone);
  const base = { config: e };
  if (e.not_null !== undefined) {
    const j = index(e.not_null);
    return { ...base, rule: `not_null(${e.not_null})`, field: e.not_null, evaluate: rowRule(j, (v) => v !== null) };
  }
  if (e.accepted_values) {
    const { field: name, values } = e.accepted_values;
    const accepted = new Set(values.map((v, n) => literal(name, v, `accepted_values.values[${n}]`)));
    return {
      ...base,
      rule: `accepted_values(${name} in ${short(values.map((v) => JSON.stringify(v)).join(', '))})`,
      field: name,
      evaluate: rowRule(index(name), (v) => v === null || accepted.has(v)),
    };
  }
  if (e.range) {
    const { field: name, min, max } = e.range;
    const lo = min === undefined ? undefined : literal(name, min, 'range.min');
    const hi = max === undefined ? undefined : literal(name, max, 'range.max');
    const ends = [min !== undefined ? `>= ${min}` : '', max !== undefined ? `<= ${max}` : ''].filter(Boolean).join(', ');
    return {
      ...base,
      rule: `range(${name} ${ends})`,
      field: name,
      evaluate: rowRule(index(name), (v) => v === null || ((lo === undefined || v! >= lo!) && (hi === undefined || v! <= hi!))),
    };
  }
  if (e.regex) {
    const { field: name, pattern } = e.regex;
    const re = new RegExp(pattern);
    return {
      ...base,
      rule: `regex(${name} ~ /${short(pattern)}/)`,
      field: name,
      evaluate: rowRule(index(name), (v) => v === null || re.test(v as string)),
    };
  }
  if (e.unique) {
    const columns = e.unique.map(index);
    return { ...base, rule: `unique(${e.unique.join(', ')})`, field: e.unique.join(','), evaluate: uniqueRule(columns) };
  }
  if (e.row_count) return { ...base, rule: rowCountRule(e.row_count), field: '', evaluate: rowCount(e.row_count) };
  if (e.freshness) {
    const { field: name, max_age_hours } = e.freshness;
    const j = index(name);
    // Timestamps are held in epoch µs, dates in epoch ms.
    const toMs = field(name).type === 'timestamp' ? 1 / 1000 : 1;
    return {
      ...base,
      rule: `freshness(${name} within ${max_age_hours} h)`,
      field: name,
      evaluate(rows, order, context) {
        const read = rows.sortKey(j);
        let newest = Number.NEGATIVE_INFINITY;
        for (let r = 0; r < order.length; r++) {
          const v = read(order[r]!);
          if (v !== null && (v as number) > newest) newest = v as number;
        }
        if (newest === Number.NEGATIVE_INFINITY) return { rows_failed: order.length, passed: false, detail: `no row has a ${name}` };
        const ageHours = (context.now.getTime() - newest * toMs) / 3_600_000;
        const passed = ageHours <= max_age_hours;
        return {
          rows_failed: passed ? 0 : order.length,
          passed,
          detail: `the newest ${name}, ${new Date(newest * toMs).toISOString()}, is ${ageHours.toFixed(1)} h old at ${context.now.toISOString()}`,
        };
      },
    };
  }
  // The config's schema lets no expectation through without exactly one rule.
  throw new ExpectationConfigError(table, at, `it names none of the rules ${EXPECTATION_RULES.join(', ')}`);
}

/** A rule each row meets or breaks by its value of field j (a null breaks only not_null). */
function rowRule(j: number, holds: RowTest): Compiled['evaluate'] {
  return (rows, order, _context, failing) => {
    const read = rows.sortKey(j);
    let failed = 0;
    for (let r = 0; r < order.length; r++) {
      const row = order[r]!;
      if (!holds(read(row))) {
        failed++;
        failing?.(row);
      }
    }
    return { rows_failed: failed, passed: failed === 0 };
  };
}

/**
 * No two rows share the fields' values. In the partition's order (its time field, then content hash), the
 * first row of a key meets the rule and every later one breaks it: drop keeps the first. A row with a null in
 * one of the fields is not compared, as SQL's UNIQUE does (add not_null to refuse those).
 */
function uniqueRule(columns: number[]): Compiled['evaluate'] {
  return (rows, order, _context, failing) => {
    const reads = columns.map((j) => rows.sortKey(j));
    // Refine's duplicate finder over these fields: a numeric hash per row and a table of row indexes, equality
    // confirmed value by value; no key text and no set entry per row (a Set of a million keys costs a second).
    let size = 0;
    for (let r = 0; r < order.length; r++) if (order[r]! >= size) size = order[r]! + 1;
    const hashes = new Float64Array(size);
    const finder = new DuplicateFinder({
      valueHash: (row) => hashes[row]!,
      sameValues: (a, b) => reads.every((read) => read(a) === read(b)),
    });
    const values = new Array<Value>(reads.length);
    let failed = 0;
    for (let r = 0; r < order.length; r++) {
      const row = order[r]!;
      let hasNull = false;
      for (let k = 0; k < reads.length && !hasNull; k++) hasNull = (values[k] = reads[k]!(row)) === null;
      if (hasNull) continue;
      hashes[row] = hashValues(values);
      if (finder.add(row) !== undefined) {
        failed++;
        failing?.(row);
      }
    }
    return { rows_failed: failed, passed: failed === 0 };
  };
}

type RowCount = NonNullable<ExpectationConfig['row_count']>;

function rowCountRule(rc: RowCount): string {
  if ('previous_day_pct' in rc) return `row_count(within ±${rc.previous_day_pct}% of the previous day)`;
  return `row_count(${[rc.min !== undefined ? `>= ${rc.min}` : '', rc.max !== undefined ? `<= ${rc.max}` : ''].filter(Boolean).join(', ')})`;
}

function rowCount(rc: RowCount): Compiled['evaluate'] {
  return (_rows, order, context) => {
    const n = order.length;
    const outcome = (passed: boolean, detail: string) => ({ rows_failed: passed ? 0 : n, passed, detail });
    if (!('previous_day_pct' in rc))
      return outcome((rc.min === undefined || n >= rc.min) && (rc.max === undefined || n <= rc.max), `${n} row(s)`);
    const previous = context.previousDayRows;
    if (previous === undefined) return outcome(true, `${n} row(s), no previous day published to compare with`);
    const change = previous === 0 ? (n === 0 ? 0 : Number.POSITIVE_INFINITY) : ((n - previous) / previous) * 100;
    const shown = Number.isFinite(change) ? `${change >= 0 ? '+' : ''}${change.toFixed(1)}%` : 'from none';
    const passed = Math.abs(change) <= rc.previous_day_pct;
    return outcome(passed, `${n} row(s), the previous day ${previous}: ${shown}${passed ? '' : `, beyond ±${rc.previous_day_pct}%`}`);
  };
}

/** A config value as the field stores it (booleans as 1/0, as the row store gives them back). */
function storedValue(table: CheckedTable, field: FieldConfig, value: string | number | boolean, path: string, timeZone: string): Value {
  const plain: FieldConfig = { ...field, required: false };
  delete plain.path;
  const coerced = compileCoercer([plain], timeZone)({ [field.name]: value });
  if (!coerced.ok) throw new ExpectationConfigError(table, path, `${field.name} is ${field.type}: ${coerced.issues[0]!.reason}`);
  const v = coerced.values[0]!;
  return typeof v === 'boolean' ? (v ? 1 : 0) : v;
}

function short(text: string): string {
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

/** A silver row's values as JSON: what a quarantine entry holds of a row an expectation dropped. */
export function silverRecord(fields: readonly FieldConfig[], values: readonly PlainValue[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  fields.forEach((f, j) => {
    const v = values[j] ?? null;
    record[f.name] =
      v === null
        ? null
        : f.type === 'decimal'
          ? decimalText(v as bigint, f.scale ?? 0)
          : f.type === 'timestamp'
            ? timestampText(v as number)
            : f.type === 'date'
              ? new Date(v as number).toISOString().slice(0, 10)
              : typeof v === 'bigint'
                ? v.toString()
                : v;
  });
  return record;
}

// ---- what a refine reports: bounded, it travels in the Refine step's summary and the journey ----

/**
 * Failed expectations named in a step summary; past them only counted. With the largest drift beside it, the
 * largest execution (40 sources) stays at 245 KB of state of the 256 KB (test/reliability/limits.test.ts).
 */
export const MAX_QUALITY_LISTED = 5;

export interface QualityCount {
  expectation: string;
  action: ExpectationAction;
  rows_checked: number;
  rows_failed: number;
}

/** A refine's expectations over its partitions. */
export interface QualitySummary {
  /** Expectations the source declares, each checked on every partition. */
  expectations: number;
  /** Of them, those that held on every partition. */
  passed: number;
  /** Those that did not, most failed rows first (at most MAX_QUALITY_LISTED), their rows summed over the partitions. */
  failed: QualityCount[];
  /** Failed expectations past MAX_QUALITY_LISTED, not named. */
  others?: number;
}

/** The partitions' results as one summary; undefined when no partition checked anything. */
export function summariseQuality(partitions: readonly (readonly ExpectationResult[] | undefined)[]): QualitySummary | undefined {
  const totals = new Map<string, QualityCount & { passed: boolean }>();
  for (const results of partitions)
    for (const r of results ?? []) {
      const t = totals.get(r.expectation);
      if (!t)
        totals.set(r.expectation, {
          expectation: r.expectation,
          action: r.action,
          rows_checked: r.rows_checked,
          rows_failed: r.rows_failed,
          passed: r.passed,
        });
      else {
        t.rows_checked += r.rows_checked;
        t.rows_failed += r.rows_failed;
        t.passed &&= r.passed;
      }
    }
  if (totals.size === 0) return undefined;
  const failed = [...totals.values()]
    .filter((t) => !t.passed)
    .sort((a, b) => b.rows_failed - a.rows_failed || (a.expectation < b.expectation ? -1 : 1))
    .map(({ passed: _passed, ...count }) => count);
  return {
    expectations: totals.size,
    passed: totals.size - failed.length,
    failed: failed.slice(0, MAX_QUALITY_LISTED),
    ...(failed.length > MAX_QUALITY_LISTED ? { others: failed.length - MAX_QUALITY_LISTED } : {}),
  };
}

/**
 * Several partitions' summaries as one (a consolidation's partitions, each recorded in its own journey step): the
 * named failures summed by expectation; those past MAX_QUALITY_LISTED in any partition only counted.
 */
export function mergeQuality(summaries: readonly QualitySummary[]): QualitySummary | undefined {
  if (summaries.length === 0) return undefined;
  const failed = new Map<string, QualityCount>();
  for (const q of summaries)
    for (const f of q.failed) {
      const t = failed.get(f.expectation);
      if (t) {
        t.rows_checked += f.rows_checked;
        t.rows_failed += f.rows_failed;
      } else failed.set(f.expectation, { ...f });
    }
  const expectations = Math.max(...summaries.map((q) => q.expectations));
  const others = Math.max(0, ...summaries.map((q) => q.others ?? 0));
  const sorted = [...failed.values()].sort((a, b) => b.rows_failed - a.rows_failed || (a.expectation < b.expectation ? -1 : 1));
  const hidden = others + Math.max(0, sorted.length - MAX_QUALITY_LISTED);
  return {
    expectations,
    passed: Math.max(0, expectations - sorted.length - others),
    failed: sorted.slice(0, MAX_QUALITY_LISTED),
    ...(hidden > 0 ? { others: hidden } : {}),
  };
}

/** `2 of 5 expectation(s) failed: positive_amount (drop) 3 of 120 rows, ...`, for people. */
export function describeQuality(q: QualitySummary): string {
  if (q.failed.length === 0 && !q.others) return `all ${q.expectations} expectation(s) held`;
  const listed = q.failed.map((f) => `${f.expectation} (${f.action}) ${f.rows_failed} of ${f.rows_checked} row(s)`).join(', ');
  return `${q.expectations - q.passed} of ${q.expectations} expectation(s) failed: ${listed}${q.others ? `, ${q.others} more not named` : ''}`;
}
