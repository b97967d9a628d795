// The consolidation engine: for each key the row with the greatest decision tuple across origins.
//
// Rules (the generated SQL in sql.ts applies exactly the same ones):
// - Rows are compared on `campos_decisao` in order; `desc` (the default) means the greater value wins,
//   `asc` the smaller one. A null decision value never beats a present one, in either direction.
// - A row with a null in any key column is not consolidated: it is returned in `quarantined` with a reason.
// - A full tie of the decision tuple goes to the origin listed first in `origens`; a tie within one
//   origin goes to the row whose output columns, compared in output column order (ascending, nulls
//   last), are smallest. Rows equal on every output column are the same output row, so the result,
//   and its Parquet bytes, never depend on input order.
// - Output rows are sorted by the key columns ascending; `origem` names the origin each row won from.
// - A column missing in an origin is null there; the same column with two types is an error.
// Works on columns (cells, typed numbers or UTF-8 bytes, see column-data.ts) and row indices; only the
// winners' values are copied.
import {
  cellAt,
  cellsOf,
  decimalText,
  isNumericColumn,
  isUtf8Column,
  numericColumn,
  utf8Compare,
  Utf8ColumnBuilder,
  utf8Equal,
} from '../columnar/columns.js';
import type { FlatColumnData, FlatTable, NumericColumn, Utf8Column, CellValue, ColumnTable, TableColumn } from '../columnar/types.js';
import { ORIGIN_COLUMN } from '../lake/tables.js';
import { compareValues } from './compare.js';
import type { ConsolidationRules } from './spec.js';
import { typeName } from '../columnar/schema.js';
import { ConsolidationInputError, ConsolidationSchemaError } from './errors.js';

/** Column values as read: arrays of cells (timestamps as Date or epoch ms; bigint as number) or typed numbers. */
export type ColumnValues = FlatColumnData;

/** One origin's rows (one or several tables per origin: e.g. one per Parquet file). */
export interface OriginTable {
  origem: string;
  columns: TableColumn[];
  data: Record<string, ColumnValues>;
  rowCount: number;
}

export interface QuarantinedRow {
  origem: string;
  reason: string;
  row: Record<string, CellValue>;
}

export interface ConsolidationResult {
  /** The output columns (then `origem`) and the winning rows, sorted by key; a column is typed numbers when every origin's is. */
  table: FlatTable;
  quarantined: QuarantinedRow[];
  rows_read: number;
}

export interface ConsolidateOptions {
  /** The gold table's columns (without `origem`); default: the union of the origins' columns in origin order. */
  columns?: TableColumn[];
}

export function originTable(origem: string, table: ColumnTable | FlatTable): OriginTable {
  return { origem, columns: table.columns, data: table.data, rowCount: table.rowCount };
}

/** Consolidates the origins' rows by the rules; see the file comment for the exact semantics. */
export function consolidate(
  rules: ConsolidationRules,
  given: readonly OriginTable[],
  options: ConsolidateOptions = {},
): ConsolidationResult {
  const picked = pickWinners(rules, given, options);
  const data = gatherColumns(picked);
  return {
    table: { columns: [...picked.columns, { name: ORIGIN_COLUMN, type: 'string' }], data, rowCount: picked.order.length },
    quarantined: picked.quarantined,
    rows_read: picked.total,
  };
}

/** The winning rows, as global row numbers in key order, with what gathering their values needs. */
interface Winners {
  inputs: readonly OriginTable[];
  columns: TableColumn[];
  /** Per output column, its values across the origins. */
  tieColumns: EngineColumn[];
  /** Per global row: its origin's index and its row in that origin. */
  inputOf: Uint16Array;
  localOf: Int32Array;
  /** Winners' global rows, sorted by key. */
  order: number[];
  quarantined: QuarantinedRow[];
  total: number;
}

/** For each key the row with the greatest decision tuple (ties: origin priority, then the smallest output row); null keys quarantined. */
function pickWinners(rules: ConsolidationRules, given: readonly OriginTable[], options: ConsolidateOptions): Winners {
  const inputs = oneStringForm(given);
  const columns = outputColumns(rules, inputs, options.columns);
  const priority = new Map(rules.origens.map((o, i) => [o, i]));
  for (const input of inputs) {
    if (!priority.has(input.origem))
      throw new ConsolidationInputError(`Origin "${input.origem}" is not one of the consolidation's origens (${rules.origens.join(', ')})`);
  }
  const names = new Set(columns.map((c) => c.name));
  for (const name of [...rules.chaves_principais, ...rules.campos_decisao.map((d) => d.campo)]) {
    if (!names.has(name))
      throw new ConsolidationInputError(`Column "${name}" (a key or decision field) is in none of the origins ${rules.origens.join(', ')}`);
  }

  const total = inputs.reduce((n, t) => n + t.rowCount, 0);
  const inputOf = new Uint16Array(total);
  const localOf = new Int32Array(total);
  const columnOf = (name: string): EngineColumn => engineColumn(inputs.map((t) => t.data[name]));
  const keys = rules.chaves_principais.map((k) => columnOf(k).values);
  const decisions = rules.campos_decisao.map((d) => ({ column: columnOf(d.campo), sign: d.direcao === 'asc' ? -1 : 1 }));
  const tieColumns = columns.map((c) => columnOf(c.name));
  const prio = inputs.map((t) => priority.get(t.origem)!);

  /** True when row a beats row b (global indices). */
  const beats = (a: number, b: number): boolean => {
    const ia = inputOf[a]!;
    const ib = inputOf[b]!;
    const la = localOf[a]!;
    const lb = localOf[b]!;
    for (const d of decisions) {
      const c = compareRows(d.column, ia, la, ib, lb);
      if (c === A_NULL) return false;
      if (c === B_NULL) return true;
      if (c !== 0) return c * d.sign > 0;
    }
    if (prio[ia] !== prio[ib]) return prio[ia]! < prio[ib]!;
    for (const col of tieColumns) {
      const c = compareRows(col, ia, la, ib, lb);
      if (c === A_NULL) return false;
      if (c === B_NULL) return true;
      if (c !== 0) return c < 0;
    }
    return false;
  };

  // Open addressing on a hash of the key tuple: no key strings are built, equal hashes compare the values.
  const capacity = 2 ** Math.ceil(Math.log2(Math.max(16, total * 2)));
  const slots = new Int32Array(capacity).fill(-1);
  const mask = capacity - 1;
  const sameKey = (a: number, b: number): boolean => {
    for (const k of keys) {
      const ca = k[inputOf[a]!];
      const cb = k[inputOf[b]!];
      if (ca !== undefined && isUtf8Column(ca)) {
        if (!utf8Equal(ca, localOf[a]!, cb as Utf8Column, localOf[b]!)) return false;
      } else if (keyValue(ca, localOf[a]!) !== keyValue(cb, localOf[b]!)) return false;
    }
    return true;
  };
  let winnerCount = 0;
  const quarantined: QuarantinedRow[] = [];
  let g = 0;
  inputs.forEach((input, i) => {
    const keyValues = keys.map((k) => k[i]);
    for (let r = 0; r < input.rowCount; r++, g++) {
      inputOf[g] = i;
      localOf[g] = r;
      const hash = keyHash(keyValues, r);
      if (hash === null) {
        const missing = rules.chaves_principais.filter((_, k) => keyValue(keyValues[k], r) === null);
        quarantined.push({
          origem: input.origem,
          reason: `null key column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}`,
          row: rowOf(input, r),
        });
        continue;
      }
      let slot = hash & mask;
      for (;;) {
        const current = slots[slot]!;
        if (current === -1) {
          slots[slot] = g;
          winnerCount++;
          break;
        }
        if (sameKey(g, current)) {
          if (beats(g, current)) slots[slot] = g;
          break;
        }
        slot = (slot + 1) & mask;
      }
    }
  });
  // Winners in input order, not slot order: what reads their values next then walks memory forward.
  const isWinner = new Uint8Array(total);
  for (let s = 0; s < capacity; s++) if (slots[s]! >= 0) isWinner[slots[s]!] = 1;
  const winners = new Int32Array(winnerCount);
  for (let row = 0, w = 0; row < total; row++) if (isWinner[row]) winners[w++] = row;

  const keyTypes = rules.chaves_principais.map((k) => columns.find((c) => c.name === k)!.type);
  const order = sortedByKey(winners, keys, keyTypes, inputOf, localOf);
  quarantined.sort((a, b) => rules.origens.indexOf(a.origem) - rules.origens.indexOf(b.origem) || compareQuarantine(a, b));
  return { inputs, columns, tieColumns, inputOf, localOf, order, quarantined, total };
}

/** The winners' values, column by column, each column copied in one tight loop in its own form; `origem` last. */
function gatherColumns({ inputs, columns, tieColumns, inputOf, localOf, order }: Winners): Record<string, FlatColumnData> {
  // Winners' origin and row resolved once.
  const winnerInput = new Uint16Array(order.length);
  const winnerRow = new Int32Array(order.length);
  for (let w = 0; w < order.length; w++) {
    winnerInput[w] = inputOf[order[w]!]!;
    winnerRow[w] = localOf[order[w]!]!;
  }
  const data: Record<string, FlatColumnData> = {};
  columns.forEach((c, n) => {
    const { values: source, numeric, utf8 } = tieColumns[n]!;
    if (utf8) {
      let bytes = 0;
      for (let w = 0; w < order.length; w++) bytes += Math.max(0, utf8[winnerInput[w]!]?.lengths[winnerRow[w]!] ?? 0);
      const out = new Utf8ColumnBuilder(order.length, bytes);
      for (let w = 0; w < order.length; w++) {
        const from = utf8[winnerInput[w]!];
        if (from !== undefined) out.copyRow(w, from, winnerRow[w]!);
      }
      data[c.name] = out.build();
      return;
    }
    if (numeric) {
      const out = numericColumn(order.length);
      for (let w = 0; w < order.length; w++) {
        const from = numeric[winnerInput[w]!];
        const r = winnerRow[w]!;
        if (from === undefined || from.present[r] === 0) continue;
        out.numbers[w] = from.numbers[r]!;
        out.present[w] = 1;
      }
      data[c.name] = out;
      return;
    }
    const out = new Array<CellValue>(order.length);
    if (source.every((values) => values !== undefined && !isNumericColumn(values))) {
      const arrays = source as ArrayLike<CellValue | undefined>[];
      for (let w = 0; w < order.length; w++) out[w] = arrays[winnerInput[w]!]![winnerRow[w]!] ?? null;
    } else {
      for (let w = 0; w < order.length; w++) out[w] = cellAt(c.type, source[winnerInput[w]!], winnerRow[w]!);
    }
    data[c.name] = out;
  });
  data[ORIGIN_COLUMN] = order.map((row) => inputs[inputOf[row]!]!.origem);
  return data;
}

/** The output columns, checking every origin's types against them. */
function outputColumns(rules: ConsolidationRules, inputs: readonly OriginTable[], target?: TableColumn[]): TableColumn[] {
  const byName = new Map<string, { column: TableColumn; from: string }>();
  for (const c of target ?? []) if (c.name !== ORIGIN_COLUMN) byName.set(c.name, { column: c, from: 'the gold table' });
  const ordered = [...inputs].sort((a, b) => rules.origens.indexOf(a.origem) - rules.origens.indexOf(b.origem));
  for (const input of ordered) {
    for (const column of input.columns) {
      if (column.name === ORIGIN_COLUMN) continue;
      const seen = byName.get(column.name);
      if (!seen) {
        if (!target) byName.set(column.name, { column, from: `origin "${input.origem}"` });
      } else if (typeName(seen.column) !== typeName(column)) {
        throw new ConsolidationSchemaError(input.origem, column.name, typeName(seen.column), typeName(column), seen.from);
      }
    }
  }
  return [...byName.values()].map((c) => c.column);
}

/** One column across the origins (undefined where an origin lacks it), with its typed form when every origin that has it holds it so. */
interface EngineColumn {
  values: (ColumnValues | undefined)[];
  numeric?: (NumericColumn | undefined)[];
  utf8?: (Utf8Column | undefined)[];
}

function engineColumn(values: (ColumnValues | undefined)[]): EngineColumn {
  const present = values.filter((v) => v !== undefined);
  if (present.length === 0) return { values };
  if (present.every(isNumericColumn)) return { values, numeric: values as (NumericColumn | undefined)[] };
  if (present.every(isUtf8Column)) return { values, utf8: values as (Utf8Column | undefined)[] };
  return { values };
}

/**
 * The origins with each string column in one form: where some origins hold a column as UTF-8 bytes and
 * others as cells, the UTF-8 ones become cells, so that keys hash and compare alike in every origin.
 */
function oneStringForm(inputs: readonly OriginTable[]): readonly OriginTable[] {
  let out = inputs;
  for (const name of new Set(inputs.flatMap((t) => Object.keys(t.data)))) {
    const forms = inputs.map((t) => t.data[name]).filter((d) => d !== undefined);
    if (!forms.some(isUtf8Column) || forms.every(isUtf8Column)) continue;
    out = out.map((t) => {
      const d = t.data[name];
      return d !== undefined && isUtf8Column(d) ? { ...t, data: { ...t.data, [name]: cellsOf({ name, type: 'string' }, d) } } : t;
    });
  }
  return out;
}

/** compareRows: row a is null and row b is not. */
const A_NULL = -3;
/** compareRows: row b is null and row a is not. */
const B_NULL = 3;

/**
 * Row la of origin ia against row lb of origin ib in one column: -1, 0 or 1 in value order (0 when both
 * are null), or A_NULL / B_NULL when only one is null. Typed columns compare without boxing a value.
 */
function compareRows(column: EngineColumn, ia: number, la: number, ib: number, lb: number): number {
  const { numeric, utf8 } = column;
  if (numeric) {
    const ca = numeric[ia];
    const cb = numeric[ib];
    const pa = ca !== undefined && ca.present[la] === 1;
    const pb = cb !== undefined && cb.present[lb] === 1;
    if (!pa) return pb ? A_NULL : 0;
    if (!pb) return B_NULL;
    const x = ca.numbers[la]!;
    const y = cb!.numbers[lb]!;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (utf8) {
    const ca = utf8[ia];
    const cb = utf8[ib];
    const pa = ca !== undefined && ca.lengths[la]! >= 0;
    const pb = cb !== undefined && cb.lengths[lb]! >= 0;
    if (!pa) return pb ? A_NULL : 0;
    if (!pb) return B_NULL;
    const c = utf8Compare(ca, la, cb!, lb);
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  const va = valueAt(column.values[ia], la);
  const vb = valueAt(column.values[ib], lb);
  if (va === null) return vb === null ? 0 : A_NULL;
  if (vb === null) return B_NULL;
  return compareValues(va, vb);
}

/** Row r's value, or null; typed numbers come back as numbers (compareValues orders them with Dates and booleans). */
function valueAt(values: ColumnValues | undefined, r: number): CellValue {
  if (values === undefined) return null;
  if (isNumericColumn(values)) return values.present[r] === 1 ? values.numbers[r]! : null;
  if (isUtf8Column(values)) return cellAt('string', values, r);
  return values[r] ?? null;
}

/** A key value as hashed and compared: strings, bigints (longs, decimals), and numbers for every other type (Dates and booleans too). */
function keyValue(values: ColumnValues | undefined, r: number): string | number | bigint | null {
  const v = valueAt(values, r);
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint') return v;
  return v instanceof Date ? v.getTime() : v ? 1 : 0;
}

/** FNV-1a over the key tuple's values; null when a key column is null. */
function keyHash(keyValues: (ColumnValues | undefined)[], r: number): number | null {
  let h = 0x811c9dc5;
  for (const column of keyValues) {
    if (column !== undefined && isUtf8Column(column)) {
      const length = column.lengths[r]!;
      if (length < 0) return null;
      const bytes = column.bytes;
      for (let p = column.starts[r]!, end = p + length; p < end; p++) h = Math.imul(h ^ bytes[p]!, 16777619);
      h = Math.imul(h ^ 0xff, 16777619);
      continue;
    }
    const v = keyValue(column, r);
    if (v === null) return null;
    if (typeof v === 'string') {
      for (let c = 0; c < v.length; c++) h = Math.imul(h ^ v.charCodeAt(c), 16777619);
    } else if (typeof v === 'bigint') {
      // Its low and high 32 bits (wider decimals differ in these too unless equal modulo 2^64: then the compare decides).
      h = Math.imul(h ^ Number(BigInt.asIntN(32, v)), 16777619);
      h = Math.imul(h ^ Number(BigInt.asIntN(32, v >> 32n)), 16777619);
    } else {
      h = Math.imul(h ^ (v | 0), 16777619);
      h = Math.imul(h ^ ((v / 4294967296) | 0), 16777619);
    }
    h = Math.imul(h ^ 0xff, 16777619);
  }
  // Final avalanche so that the low bits used as the slot index depend on every input bit.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

function sortedByKey(
  rows: Int32Array,
  keys: (ColumnValues | undefined)[][],
  types: TableColumn['type'][],
  inputOf: Uint16Array,
  localOf: Int32Array,
): number[] {
  const gather = (n: number): Utf8Column | (number | bigint)[] => gatherKey(keys[n]!, types[n]!, rows, inputOf, localOf);
  const firstKey = gather(0);
  // Built on first use: a prefix sort without ties never needs them (gathering reads every row's value).
  let full: ((a: number, b: number) => number) | undefined;
  const compare = (a: number, b: number): number =>
    (full ??= keyComparator(keys.map((_, n) => keyColumnComparator(n === 0 ? firstKey : gather(n)))))(a, b);
  const perm = (Array.isArray(firstKey) ? undefined : prefixSorted(firstKey, compare)) ?? Array.from(rows.keys()).sort(compare);
  const out = new Array<number>(perm.length);
  for (let i = 0; i < perm.length; i++) out[i] = rows[perm[i]!]!;
  return out;
}

/**
 * One key column's values at the given rows (never null): strings as one UTF-8 column, its bytes in
 * row order (compared as bytes: code point order), longs and decimals as bigints, other types as numbers.
 */
function gatherKey(
  key: (ColumnValues | undefined)[],
  type: TableColumn['type'],
  rows: Int32Array,
  inputOf: Uint16Array,
  localOf: Int32Array,
): Utf8Column | (number | bigint)[] {
  if (type !== 'string') {
    const numbers = new Array<number | bigint>(rows.length);
    for (let p = 0; p < rows.length; p++) numbers[p] = keyValue(key[inputOf[rows[p]!]!], localOf[rows[p]!]!) as number | bigint;
    return numbers;
  }
  const out = new Utf8ColumnBuilder(rows.length);
  for (let p = 0; p < rows.length; p++) {
    const column = key[inputOf[rows[p]!]!]!;
    const r = localOf[rows[p]!]!;
    if (isUtf8Column(column)) out.copyRow(p, column, r);
    else out.text(p, keyValue(column, r) as string);
  }
  return out.build();
}

function keyComparator(compares: ((a: number, b: number) => number)[]): (a: number, b: number) => number {
  const [first, second] = compares;
  // One or two key columns (the usual case) get a comparator without a loop.
  if (compares.length === 1) return first!;
  if (compares.length === 2) return (a, b) => first!(a, b) || second!(a, b);
  return (a, b) => {
    for (const c of compares) {
      const r = c(a, b);
      if (r !== 0) return r;
    }
    return 0;
  };
}

/**
 * Positions sorted by `compare`, most of the work done by a native numeric sort: each position's UTF-8
 * key becomes an order-preserving integer of its leading bytes after the column's common prefix (digits
 * over the column's own byte alphabet), packed with the position into one float64; only runs of equal
 * prefixes go through `compare`.
 */
function prefixSorted(column: Utf8Column, compare: (a: number, b: number) => number): number[] | undefined {
  const { bytes, starts, lengths } = column;
  const n = lengths.length;
  if (n < 2) return undefined;
  const head = starts[0]!;
  let common = lengths[0]!;
  // One pass for the common prefix and the alphabet (of every byte: the prefix adds a few digits at most).
  const used = new Uint8Array(256);
  for (let p = 0; p < n; p++) {
    const start = starts[p]!;
    const length = lengths[p]!;
    let i = 0;
    while (i < common && i < length && bytes[start + i] === bytes[head + i]) i++;
    common = i;
    for (let j = start, end = start + length; j < end; j++) used[bytes[j]!] = 1;
  }
  const digit = new Uint16Array(256);
  let base = 1; // digit 0 is the end of a value, which sorts before any byte
  for (let c = 0; c < 256; c++) if (used[c]) digit[c] = base++;
  const positionBits = Math.max(1, Math.ceil(Math.log2(n)));
  const positionScale = 2 ** positionBits;
  const width = Math.floor(((53 - positionBits) * Math.LN2) / Math.log(base));
  if (width < 1) return undefined;
  const packed = new Float64Array(n);
  for (let p = 0; p < n; p++) {
    const start = starts[p]!;
    const length = lengths[p]!;
    let prefix = 0;
    for (let i = common; i < common + width; i++) prefix = prefix * base + (i < length ? digit[bytes[start + i]!]! : 0);
    packed[p] = prefix * positionScale + p;
  }
  packed.sort();
  // Division by a power of two is exact: prefix and position come back without a float modulo.
  const perm = new Array<number>(n);
  let runStart = 0;
  let runPrefix = -1;
  for (let i = 0; i <= n; i++) {
    const prefix = i < n ? Math.floor(packed[i]! / positionScale) : -2;
    if (i < n) perm[i] = packed[i]! - prefix * positionScale;
    if (prefix === runPrefix) continue;
    if (i - runStart > 1) {
      const run = perm.slice(runStart, i).sort(compare);
      for (let k = 0; k < run.length; k++) perm[runStart + k] = run[k]!;
    }
    runStart = i;
    runPrefix = prefix;
  }
  return perm;
}

/** A comparator of two positions in one gathered key column. */
function keyColumnComparator(values: Utf8Column | (number | bigint)[]): (a: number, b: number) => number {
  if (Array.isArray(values))
    return (a, b) => {
      const x = values[a]!;
      const y = values[b]!;
      return x < y ? -1 : x > y ? 1 : 0;
    };
  return (a, b) => utf8Compare(values, a, values, b);
}

/** Row r as cells fit for JSON: longs and decimals as their exact text (JSON numbers would round them). */
function rowOf(input: OriginTable, r: number): Record<string, CellValue> {
  const row: Record<string, CellValue> = {};
  for (const c of input.columns) {
    const v = cellAt(c.type, input.data[c.name], r);
    row[c.name] = typeof v !== 'bigint' ? v : c.type === 'decimal' ? decimalText(v, c.scale ?? 0) : v.toString();
  }
  return row;
}

function compareQuarantine(a: QuarantinedRow, b: QuarantinedRow): number {
  const x = JSON.stringify(a.row);
  const y = JSON.stringify(b.row);
  return x < y ? -1 : x > y ? 1 : 0;
}
