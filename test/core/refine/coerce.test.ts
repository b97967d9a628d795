import { describe, expect, it } from 'vitest';
import { compileCoercer } from '../../../lambdas/core/refine/coerce.js';
import { parseTimestampText } from '../../../lambdas/core/instant.js';
import type { FieldConfig } from '../../../lambdas/core/config.js';

const field = (type: FieldConfig['type'], extra: Partial<FieldConfig> = {}): FieldConfig => ({
  name: 'x',
  type,
  required: false,
  ...extra,
});
const one = (f: FieldConfig, value: unknown, timeZone = 'UTC') => {
  const r = compileCoercer([f], timeZone)({ x: value });
  return r.ok ? r.values[0] : `invalid: ${r.issues[0]!.reason}`;
};

describe('coercion to declared field types', () => {
  it('reads integers and longs from numbers and digit strings, and refuses fractions and overflow', () => {
    expect(one(field('integer'), 42)).toBe(42);
    expect(one(field('integer'), ' -7 ')).toBe(-7);
    expect(one(field('integer'), 1.5)).toMatch(/invalid: expected an integer/);
    expect(one(field('integer'), '1e3')).toMatch(/invalid/);
    expect(one(field('integer'), 2 ** 31)).toMatch(/2147483648 is outside the range of an integer \(32-bit\)/);
    expect(one(field('long'), '9007199254740991')).toBe(9007199254740991n);
  });

  it('reads longs exactly to 2^63 as bigint, and refuses a JSON number past 2^53 whose digits were rounded', () => {
    expect(one(field('long'), '9007199254740993')).toBe(9007199254740993n);
    expect(one(field('long'), '9223372036854775807')).toBe(2n ** 63n - 1n);
    expect(one(field('long'), '-9223372036854775808')).toBe(-(2n ** 63n));
    expect(one(field('long'), '9223372036854775808')).toMatch(/outside the range of a long integer \(64-bit\)/);
    expect(one(field('long'), 42)).toBe(42n);
    // The JSON parser has already made 9007199254740993 into ...992.
    expect(one(field('long'), Number('9007199254740993'))).toMatch(
      /cannot be read exactly: a JSON number beyond 2\^53 is rounded .* send it as a JSON string/,
    );
    expect(one(field('long'), 1.5)).toMatch(/invalid: expected a long integer/);
  });

  it('reads decimals within precision and scale, refusing extra decimal places or integer digits', () => {
    const d = field('decimal', { precision: 6, scale: 2 });
    // Unscaled integers at the declared scale.
    expect(one(d, '1234.5')).toBe(123450n);
    expect(one(d, 12.3)).toBe(1230n);
    expect(one(d, 0.1 + 0.2)).toBe(30n);
    expect(one(d, '-0.50')).toBe(-50n);
    expect(one(d, '0')).toBe(0n);
    expect(one(field('decimal', { precision: 4, scale: 0 }), '-0.0')).toBe(0n);
    expect(one(d, '1.234')).toMatch(/3 decimal places, more than the scale 2 of decimal\(6,2\)/);
    expect(one(d, 12345.1)).toMatch(/5 integer digits, more than decimal\(6,2\) holds \(4\)/);
    expect(one(d, 'abc')).toMatch(/expected decimal\(6,2\), got "abc"/);
    expect(one(d, '.')).toMatch(/invalid/);
  });

  it('reads decimals exactly to precision 38: 18 significant digits at scale 2, 19 at scale 10', () => {
    expect(one(field('decimal', { precision: 18, scale: 2 }), '1234567890123456.78')).toBe(123456789012345678n);
    expect(one(field('decimal', { precision: 18, scale: 2 }), '9999999999999999.99')).toBe(999999999999999999n);
    expect(one(field('decimal', { precision: 38, scale: 10 }), '12345678.1234567891')).toBe(123456781234567891n);
    expect(one(field('decimal', { precision: 38, scale: 0 }), '9'.repeat(38))).toBe(10n ** 38n - 1n);
    expect(one(field('decimal', { precision: 38, scale: 0 }), '1' + '0'.repeat(38))).toMatch(
      /39 integer digits, more than decimal\(38,0\) holds \(38\)/,
    );
    expect(one(field('decimal', { precision: 18, scale: 2 }), '10000000000000000.00')).toMatch(
      /17 integer digits, more than decimal\(18,2\) holds \(16\)/,
    );
    // A JSON number past 2^53 units was rounded by the JSON parser: refused, not stored rounded.
    expect(one(field('decimal', { precision: 18, scale: 2 }), Number('1234567890123456.78'))).toMatch(
      /cannot be read exactly as decimal\(18,2\): .*send it as a JSON string/,
    );
  });

  it('reads timestamps as ISO-8601 to the microsecond, as epoch microseconds', () => {
    const t = field('timestamp');
    const us = (ms: number) => ms * 1000;
    expect(one(t, '2024-01-19T10:00:00Z')).toBe(us(Date.UTC(2024, 0, 19, 10)));
    expect(one(t, '2024-01-19T10:00:00.123-03:00')).toBe(us(Date.UTC(2024, 0, 19, 13, 0, 0, 123)));
    expect(one(t, '2024-01-19T10:00:00.123456Z')).toBe(us(Date.UTC(2024, 0, 19, 10)) + 123456);
    expect(one(t, '2024-01-19T10:00:00.1234569Z')).toBe(us(Date.UTC(2024, 0, 19, 10)) + 123456);
    expect(one(t, '2024-01-18T23:30:00,5Z')).toBe(us(Date.UTC(2024, 0, 18, 23, 30)) + 500000);
    expect(one(t, '2024-01-19 10:00')).toBe(us(Date.UTC(2024, 0, 19, 10)));
    expect(one(t, '2024-02-30T00:00:00Z')).toMatch(/invalid: expected a timestamp/);
    expect(one(t, 'yesterday')).toMatch(/invalid/);
    expect(one(t, '1600-01-01T00:00:00Z')).toMatch(/between the years 1685 and 2255/);
    expect(parseTimestampText('2024-01-19T25:00:00Z', 'UTC')).toBeUndefined();
  });

  it('reads a zone-less timestamp in the business timezone, through Intl, whatever the DST', () => {
    const t = field('timestamp');
    // São Paulo is UTC-3 (no DST since 2019); New York is UTC-5 in January and UTC-4 in July.
    expect(one(t, '2024-01-18T23:30:00', 'America/Sao_Paulo')).toBe(Date.UTC(2024, 0, 19, 2, 30) * 1000);
    expect(one(t, '2024-01-18 23:30:00.000001', 'America/New_York')).toBe(Date.UTC(2024, 0, 19, 4, 30) * 1000 + 1);
    expect(one(t, '2024-07-18T23:30:00', 'America/New_York')).toBe(Date.UTC(2024, 6, 19, 3, 30) * 1000);
    // A time with its own zone keeps it.
    expect(one(t, '2024-01-18T23:30:00Z', 'America/Sao_Paulo')).toBe(Date.UTC(2024, 0, 18, 23, 30) * 1000);
    // 02:30 does not exist on 2024-03-10 in New York: it is read as 03:30 EDT; 01:30 on 2024-11-03 happens twice: the first.
    expect(one(t, '2024-03-10T02:30:00', 'America/New_York')).toBe(Date.UTC(2024, 2, 10, 7, 30) * 1000);
    expect(one(t, '2024-11-03T01:30:00', 'America/New_York')).toBe(Date.UTC(2024, 10, 3, 5, 30) * 1000);
  });

  it('reads a numeric timestamp only in the declared format', () => {
    expect(one(field('timestamp'), 12345)).toMatch(
      /expected a timestamp \(ISO-8601 text\), got the number 12345; declare the field's format \("epoch_seconds" or "epoch_millis"\)/,
    );
    expect(one(field('timestamp', { format: 'epoch_millis' }), 1705658400123)).toBe(1705658400123000);
    expect(one(field('timestamp', { format: 'epoch_seconds' }), 1705658400)).toBe(1705658400000000);
    expect(one(field('timestamp', { format: 'epoch_seconds' }), '1705658400')).toBe(1705658400000000);
    expect(one(field('timestamp', { format: 'epoch_seconds' }), '2024-01-19T10:00:00Z')).toBe(Date.UTC(2024, 0, 19, 10) * 1000);
    expect(one(field('timestamp', { format: 'epoch_millis' }), 1e300)).toMatch(
      /invalid: expected a timestamp \(ISO-8601, or epoch milliseconds\)/,
    );
  });

  it('reads the millisecond UTC form as Date.parse does, rejecting days the month lacks and years it cannot hold to the microsecond', () => {
    for (const text of [
      '2024-01-19T10:00:00.123Z',
      '2024-02-29T23:59:59.999Z',
      '1970-01-01T00:00:00.000Z',
      '1969-12-31T23:59:59.001Z',
      '2250-12-31T23:59:59.999Z',
    ])
      expect(parseTimestampText(text, 'UTC')).toBe(Date.parse(text) * 1000);
    for (const text of [
      '2023-02-29T00:00:00.000Z',
      '2024-04-31T00:00:00.000Z',
      '2024-13-01T00:00:00.000Z',
      '0050-06-01T12:00:00.000Z',
      '9999-12-31T23:59:59.999Z',
    ])
      expect(parseTimestampText(text, 'UTC')).toBeUndefined();
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
