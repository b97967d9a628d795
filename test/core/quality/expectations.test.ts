// The expectations evaluator, rule by rule and action by action, over a real row store of coerced rows;
// and the bounded summary a refine reports.
import { describe, expect, it } from 'vitest';
import { parsePipelineConfig, type SourceConfig } from '../../../lambdas/core/config.js';
import { ExpectationConfigError } from '../../../lambdas/core/quality/errors.js';
import {
  compileExpectations,
  describeQuality,
  MAX_QUALITY_LISTED,
  silverRecord,
  sourceExpectations,
  summariseQuality,
  type ExpectationResult,
} from '../../../lambdas/core/quality/expectations.js';
import { compileRowCoercer, type PlainValue } from '../../../lambdas/core/refine/coerce.js';
import { RowStore } from '../../../lambdas/core/refine/row-store.js';
import { ordersConfig } from './support.js';

function source(expectations: unknown[]): SourceConfig {
  return parsePipelineConfig(ordersConfig(expectations)).sources[0]!;
}

const ROWS: Record<string, unknown>[] = [
  { id: 'o1', status: 'new', amount: '10.50', qty: 1, paid: false, day: '2024-03-14', updated_at: '2024-03-14T08:00:00Z' },
  { id: 'o2', status: 'paid', amount: 0, qty: 5, paid: true, day: '2024-03-14', updated_at: '2024-03-14T09:00:00Z' },
  { id: 'o3', status: 'lost', amount: '-1.25', qty: null, paid: true, day: '2024-03-13', updated_at: '2024-03-14T10:00:00Z' },
  { id: 'o2', status: null, amount: '1000.01', qty: 7, paid: null, day: null, updated_at: '2024-03-14T11:30:00Z' },
];

/** The rows coerced into a row store, in file order, as refine holds them. */
function store(src: SourceConfig, records = ROWS): { rows: RowStore; order: Uint32Array } {
  const coerce = compileRowCoercer(src.fields);
  const rows = new RowStore(src.fields);
  const values = new Array<PlainValue>(src.fields.length).fill(null);
  records.forEach((r, i) => {
    expect(coerce(r, values)).toBeUndefined();
    rows.append(values, i, `hash-${i}`, 0, 'i1');
  });
  return { rows, order: Uint32Array.from(records.map((_, i) => i)) };
}

const NOW = new Date('2024-03-14T12:00:00Z');

/** The one expectation's result and the rows it dropped (row -> reason). */
function evaluate(expectation: Record<string, unknown>, context: { now?: Date; previousDayRows?: number } = {}, records = ROWS) {
  const src = source([{ name: 'e', ...expectation }]);
  const { rows, order } = store(src, records);
  const quality = compileExpectations(sourceExpectations(src))!.evaluate(rows, order, { now: NOW, ...context });
  return {
    result: quality.results[0]!,
    dropped: Object.fromEntries([...quality.dropped].map(([row, r]) => [row, r.reason])),
    failed: quality.failed,
  };
}

describe('expectations, rule by rule', () => {
  it('a source without expectations compiles to nothing (refine does no more work)', () => {
    expect(compileExpectations(sourceExpectations(source([])))).toBeUndefined();
  });

  it('not_null counts the rows whose field is null; warn drops nothing and fails nothing', () => {
    const { result, dropped, failed } = evaluate({ not_null: 'status' });
    expect(result).toEqual({ expectation: 'e', rule: 'not_null(status)', action: 'warn', rows_checked: 4, rows_failed: 1, passed: false });
    expect(dropped).toEqual({});
    expect(failed).toEqual([]);
  });

  it('accepted_values: a value outside the list breaks it, a null does not (not_null refuses those)', () => {
    const { result, dropped } = evaluate({ action: 'drop', accepted_values: { field: 'status', values: ['new', 'paid'] } });
    expect(result).toMatchObject({ rule: 'accepted_values(status in "new", "paid")', rows_failed: 1, passed: false });
    expect(dropped).toEqual({ 2: 'expectation "e" failed: accepted_values(status in "new", "paid")' });
  });

  it('accepted_values on integers and booleans compares them as the field stores them', () => {
    expect(evaluate({ accepted_values: { field: 'qty', values: [1, '5'] } }).result.rows_failed).toBe(1);
    expect(evaluate({ accepted_values: { field: 'paid', values: [true] } }).result.rows_failed).toBe(1);
  });

  it('range on a decimal takes its bounds as numbers or text, both ends inclusive', () => {
    expect(evaluate({ range: { field: 'amount', min: 0, max: '1000' } }).result).toMatchObject({
      rule: 'range(amount >= 0, <= 1000)',
      rows_failed: 2,
    });
    expect(evaluate({ range: { field: 'amount', min: '-1.25' } }).result).toMatchObject({ rows_failed: 0, passed: true });
    expect(evaluate({ range: { field: 'qty', max: 5 } }).result.rows_failed).toBe(1);
  });

  it('range on timestamps and dates takes ISO text', () => {
    expect(evaluate({ range: { field: 'updated_at', max: '2024-03-14T10:00:00Z' } }).result.rows_failed).toBe(1);
    expect(evaluate({ range: { field: 'day', min: '2024-03-14' } }).result.rows_failed).toBe(1);
  });

  it('regex: a string value must match the pattern', () => {
    const { result } = evaluate({ regex: { field: 'id', pattern: '^o[12]$' } });
    expect(result).toMatchObject({ rule: 'regex(id ~ /^o[12]$/)', rows_failed: 1 });
  });

  it('unique: the first row of a key in the partition order holds, each later one breaks it; drop keeps the first', () => {
    const { result, dropped } = evaluate({ action: 'drop', unique: ['id'] });
    expect(result).toMatchObject({ rule: 'unique(id)', rows_failed: 1 });
    expect(dropped).toEqual({ 3: 'expectation "e" failed: unique(id)' });
  });

  it('unique over several fields compares the tuple and skips a row with a null in one of them', () => {
    expect(evaluate({ unique: ['id', 'paid'] }).result.rows_failed).toBe(0);
    const same = [ROWS[0]!, { ...ROWS[0]! }, { ...ROWS[0]!, paid: null }, { ...ROWS[0]!, paid: null }];
    expect(evaluate({ unique: ['id', 'paid'] }, {}, same).result.rows_failed).toBe(1);
    // "1" and 12 is not "11" and 2, though both run together as 112.
    const tuples = [
      { ...ROWS[0]!, status: '1', qty: 12 },
      { ...ROWS[0]!, status: '11', qty: 2 },
      { ...ROWS[0]!, status: '11', qty: 2 },
    ];
    expect(evaluate({ unique: ['status', 'qty'] }, {}, tuples).result.rows_failed).toBe(1);
  });

  it('row_count min/max judges the whole partition: every row fails with it, and an empty partition can fail', () => {
    expect(evaluate({ row_count: { min: 5 } }).result).toMatchObject({
      rule: 'row_count(>= 5)',
      rows_failed: 4,
      passed: false,
      detail: '4 row(s)',
    });
    expect(evaluate({ row_count: { max: 4 } }).result).toMatchObject({ rows_failed: 0, passed: true });
    expect(evaluate({ row_count: { min: 1 } }, {}, []).result).toMatchObject({ rows_checked: 0, rows_failed: 0, passed: false });
  });

  it('row_count previous_day_pct: within ±pct of the previous day, and passes with a note when there is none', () => {
    const rule = { row_count: { previous_day_pct: 30 } };
    expect(evaluate(rule, { previousDayRows: 5 }).result).toMatchObject({ passed: true, detail: '4 row(s), the previous day 5: -20.0%' });
    expect(evaluate(rule, { previousDayRows: 10 }).result).toMatchObject({
      rule: 'row_count(within ±30% of the previous day)',
      passed: false,
      rows_failed: 4,
      detail: '4 row(s), the previous day 10: -60.0%, beyond ±30%',
    });
    expect(evaluate(rule, { previousDayRows: 0 }).result.passed).toBe(false);
    expect(evaluate(rule).result).toMatchObject({ passed: true, detail: '4 row(s), no previous day published to compare with' });
  });

  it('freshness: the newest timestamp (or date) no older than max_age_hours at the run clock', () => {
    const rule = { freshness: { field: 'updated_at', max_age_hours: 1 } };
    expect(evaluate(rule).result).toMatchObject({
      rule: 'freshness(updated_at within 1 h)',
      passed: true,
      detail: 'the newest updated_at, 2024-03-14T11:30:00.000Z, is 0.5 h old at 2024-03-14T12:00:00.000Z',
    });
    expect(evaluate(rule, { now: new Date('2024-03-14T13:00:00Z') }).result).toMatchObject({ passed: false, rows_failed: 4 });
    expect(evaluate({ freshness: { field: 'day', max_age_hours: 24 } }).result.passed).toBe(true);
    expect(evaluate({ freshness: { field: 'day', max_age_hours: 11 } }).result.passed).toBe(false);
    expect(evaluate(rule, {}, []).result).toMatchObject({ passed: false, detail: 'no row has a updated_at' });
  });
});

describe('expectations, by action', () => {
  it('fail: the expectations that did not hold are listed as failed; warn ones never are', () => {
    const src = source([
      { name: 'known_status', action: 'fail', accepted_values: { field: 'status', values: ['new', 'paid', 'lost'] } },
      { name: 'no_negative', action: 'fail', range: { field: 'amount', min: 0 } },
      { name: 'some_rows', action: 'warn', row_count: { min: 10 } },
    ]);
    const { rows, order } = store(src);
    const quality = compileExpectations(sourceExpectations(src))!.evaluate(rows, order, { now: NOW });
    expect(quality.results.map((r) => [r.expectation, r.passed])).toEqual([
      ['known_status', true],
      ['no_negative', false],
      ['some_rows', false],
    ]);
    expect(quality.failed.map((r) => r.expectation)).toEqual(['no_negative']);
    expect(quality.dropped.size).toBe(0);
  });

  it('drop: a row that breaks several drop expectations keeps the first one as its reason; each counts it', () => {
    const src = source([
      { name: 'no_negative', action: 'drop', range: { field: 'amount', min: 0 } },
      { name: 'known_status', action: 'drop', accepted_values: { field: 'status', values: ['new', 'paid'] } },
      { name: 'qty_set', action: 'warn', not_null: 'qty' },
    ]);
    const { rows, order } = store(src);
    const quality = compileExpectations(sourceExpectations(src))!.evaluate(rows, order, { now: NOW });
    expect(quality.results.map((r) => r.rows_failed)).toEqual([1, 1, 1]);
    expect([...quality.dropped]).toEqual([
      [2, { field: 'amount', reason: 'expectation "no_negative" failed: range(amount >= 0)', expectation: 'no_negative' }],
    ]);
  });

  it('a bound its field cannot hold is an error naming the source, the path and why', () => {
    const src = source([{ name: 'cents', range: { field: 'amount', min: '0.001' } }]);
    expect(() => compileExpectations(sourceExpectations(src))).toThrow(ExpectationConfigError);
    expect(() => compileExpectations(sourceExpectations(src))).toThrow(
      'Source orders: sources.orders.expectations[0].range.min cannot be compared with its field (amount is decimal: "0.001" has 3 decimal places, more than the scale 2 of decimal(10,2))',
    );
  });

  it('a dropped row as JSON for its quarantine entry: decimals and times as text', () => {
    const src = source([]);
    const { rows } = store(src);
    expect(silverRecord(src.fields, rows.row(2))).toEqual({
      id: 'o3',
      status: 'lost',
      amount: '-1.25',
      qty: null,
      paid: true,
      meta: null,
      day: '2024-03-13',
      updated_at: '2024-03-14T10:00:00.000000Z',
    });
  });
});

describe('quality summary', () => {
  const result = (expectation: string, rows_failed: number, passed = rows_failed === 0): ExpectationResult => ({
    expectation,
    rule: 'not_null(x)',
    action: 'warn',
    rows_checked: 10,
    rows_failed,
    passed,
  });

  it('sums each expectation over the partitions and names those that failed, most rows first', () => {
    const q = summariseQuality([[result('a', 0), result('b', 2)], undefined, [result('a', 3), result('b', 1), result('c', 0, false)]]);
    expect(q).toEqual({
      expectations: 3,
      passed: 0,
      failed: [
        { expectation: 'a', action: 'warn', rows_checked: 20, rows_failed: 3 },
        { expectation: 'b', action: 'warn', rows_checked: 20, rows_failed: 3 },
        { expectation: 'c', action: 'warn', rows_checked: 10, rows_failed: 0 },
      ],
    });
    expect(describeQuality(q!)).toBe(
      '3 of 3 expectation(s) failed: a (warn) 3 of 20 row(s), b (warn) 3 of 20 row(s), c (warn) 0 of 10 row(s)',
    );
    expect(describeQuality(summariseQuality([[result('a', 0)]])!)).toBe('all 1 expectation(s) held');
    expect(summariseQuality([undefined])).toBeUndefined();
  });

  it('names at most MAX_QUALITY_LISTED failed expectations and counts the others', () => {
    const many = Array.from({ length: MAX_QUALITY_LISTED + 3 }, (_, i) => result(`e${i}`, i + 1));
    const q = summariseQuality([many])!;
    expect(q.failed).toHaveLength(MAX_QUALITY_LISTED);
    expect(q.failed[0]!.expectation).toBe(`e${MAX_QUALITY_LISTED + 2}`);
    expect(q.others).toBe(3);
    expect(describeQuality(q)).toMatch(/, 3 more not named$/);
  });
});
