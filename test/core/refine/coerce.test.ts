import { describe, expect, it } from 'vitest';
import { compileCoercer, parseTimestamp } from '../../../lambdas/core/refine/coerce.js';
import type { FieldConfig } from '../../../lambdas/core/config.js';

const field = (type: FieldConfig['type'], extra: Partial<FieldConfig> = {}): FieldConfig => ({
  name: 'x',
  type,
  required: false,
  ...extra,
});
const one = (f: FieldConfig, value: unknown) => {
  const r = compileCoercer([f])({ x: value });
  return r.ok ? r.values[0] : `invalid: ${r.issues[0]!.reason}`;
};

describe('coercion to declared field types', () => {
  it('reads integers and longs from numbers and digit strings, and refuses fractions and overflow', () => {
    expect(one(field('integer'), 42)).toBe(42);
    expect(one(field('integer'), ' -7 ')).toBe(-7);
    expect(one(field('integer'), 1.5)).toMatch(/invalid: expected an integer/);
    expect(one(field('integer'), '1e3')).toMatch(/invalid/);
    expect(one(field('integer'), 2 ** 31)).toMatch(/2147483648 is outside the range of an integer \(32-bit\)/);
    expect(one(field('long'), '9007199254740991')).toBe(9007199254740991);
    expect(one(field('long'), '9007199254740993')).toMatch(/invalid/);
  });

  it('reads decimals within precision and scale, refusing extra decimal places or integer digits', () => {
    const d = field('decimal', { precision: 6, scale: 2 });
    expect(one(d, '1234.5')).toBe(1234.5);
    expect(one(d, 12.3)).toBe(12.3);
    expect(one(d, 0.1 + 0.2)).toBe(0.3);
    expect(one(d, '-0.50')).toBe(-0.5);
    expect(one(d, '1.234')).toMatch(/3 decimal places, more than the scale 2 of decimal\(6,2\)/);
    expect(one(d, 12345.1)).toMatch(/5 integer digits, more than decimal\(6,2\) holds \(4\)/);
    expect(one(d, 'abc')).toMatch(/expected decimal\(6,2\), got "abc"/);
    expect(one(d, '.')).toMatch(/invalid/);
  });

  it('reads timestamps as ISO-8601 (with or without a zone) and epoch milliseconds', () => {
    const t = field('timestamp');
    expect(one(t, '2024-01-19T10:00:00Z')).toBe(Date.UTC(2024, 0, 19, 10));
    expect(one(t, '2024-01-19T10:00:00.123-03:00')).toBe(Date.UTC(2024, 0, 19, 13, 0, 0, 123));
    expect(one(t, '2024-01-19 10:00')).toBe(Date.UTC(2024, 0, 19, 10));
    expect(one(t, 1705658400000)).toBe(1705658400000);
    expect(one(t, '2024-02-30T00:00:00Z')).toMatch(/invalid: expected a timestamp/);
    expect(one(t, 'yesterday')).toMatch(/invalid/);
    expect(parseTimestamp('2024-01-19T25:00:00Z')).toBeUndefined();
  });

  it('reads the millisecond UTC form as Date.parse does, rejecting days the month lacks', () => {
    for (const text of [
      '2024-01-19T10:00:00.123Z',
      '2024-02-29T23:59:59.999Z',
      '1970-01-01T00:00:00.000Z',
      '1969-12-31T23:59:59.001Z',
      '0050-06-01T12:00:00.000Z',
      '9999-12-31T23:59:59.999Z',
    ])
      expect(parseTimestamp(text)).toBe(Date.parse(text));
    expect(parseTimestamp('2023-02-29T00:00:00.000Z')).toBeUndefined();
    expect(parseTimestamp('2024-04-31T00:00:00.000Z')).toBeUndefined();
    expect(parseTimestamp('2024-13-01T00:00:00.000Z')).toBeUndefined();
  });

  it('reads dates as calendar days, booleans, doubles and strings', () => {
    expect(one(field('date'), '1990-05-17')).toBe(Date.UTC(1990, 4, 17));
    expect(one(field('date'), '2024-01-19T23:30:00-03:00')).toBe(Date.UTC(2024, 0, 19));
    expect(one(field('date'), '17/05/1990')).toMatch(/expected a date/);
    expect(one(field('boolean'), 'TRUE')).toBe(true);
    expect(one(field('boolean'), 0)).toBe(false);
    expect(one(field('boolean'), 'sim')).toMatch(/expected a boolean/);
    expect(one(field('double'), '3.25')).toBe(3.25);
    expect(one(field('double'), 'NaN')).toMatch(/expected a number/);
    expect(one(field('string'), 12)).toBe('12');
    expect(one(field('string'), { a: 1 })).toMatch(/expected a string, got an object/);
    expect(one(field('string'), '')).toBe('');
  });

  it('enforces required fields and reports every wrong field of a row', () => {
    const coerce = compileCoercer([
      field('string', { name: 'id', required: true }),
      field('integer', { name: 'n', required: true }),
      field('double', { name: 'v' }),
    ]);
    expect(coerce({ id: 'a', n: '1', v: '' })).toEqual({ ok: true, values: ['a', 1, null] });
    expect(coerce({ id: '', n: 'x' })).toEqual({
      ok: false,
      issues: [
        { field: 'id', reason: 'required field is missing' },
        { field: 'n', reason: 'expected an integer (32-bit), got "x"' },
      ],
    });
  });
});
