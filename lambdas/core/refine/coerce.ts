// Type coercion of raw bronze records to a source's declared fields: each field value becomes the
// in-memory value of its type, or the row is invalid with the field and the reason.
import type { FieldConfig } from '../config.js';
import { parseTimestamp, parseTimestampText, validDay, type TimestampReading } from '../instant.js';
import { compileFieldReader } from './record-path.js';

/**
 * A coerced value before it becomes a Parquet cell: string; number for integer and double, epoch
 * microseconds for timestamp, epoch milliseconds for date; bigint for long and for decimal (its unscaled
 * integer at the declared scale: 12.30 in decimal(18,2) is 1230n); boolean; or null.
 */
export type PlainValue = string | number | bigint | boolean | null;

export interface FieldIssue {
  field: string;
  reason: string;
}

export type CoercedRow = { ok: true; values: PlainValue[] } | { ok: false; issues: FieldIssue[] };

type Coerce = (value: unknown) => PlainValue | Invalid;

/** A reason a value could not be coerced (kept apart from every valid value by its class). */
class Invalid {
  constructor(readonly reason: string) {}
}

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INTEGER_TEXT = /^[+-]?\d+$/;
const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?$/;
const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})/;
/** A JSON number is a double: past 2^53 its digits are no longer the ones sent. */
const JSON_DIGITS_HINT = 'a JSON number beyond 2^53 is rounded when parsed; send it as a JSON string';

function describe(value: unknown): string {
  const text =
    typeof value === 'string'
      ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)
      : Array.isArray(value)
        ? 'an array'
        : typeof value === 'object'
          ? 'an object'
          : String(value);
  return text;
}

function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function integerCoercer(min: number, max: number, name: string): Coerce {
  return (value) => {
    const n = typeof value === 'string' ? (INTEGER_TEXT.test(value.trim()) ? Number(value) : undefined) : numberOf(value);
    if (n === undefined || !Number.isInteger(n)) return new Invalid(`expected ${name}, got ${describe(value)}`);
    if (n < min || n > max) return new Invalid(`${describe(value)} is outside the range of ${name}`);
    return n;
  };
}

/** 64-bit integers as bigint: integer text up to 2^63 exactly, JSON numbers while they are exact (up to 2^53). */
const longCoercer: Coerce = (value) => {
  const name = 'a long integer (64-bit)';
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return new Invalid(`expected ${name}, got ${describe(value)}`);
    if (!Number.isSafeInteger(value)) return new Invalid(`${value} cannot be read exactly: ${JSON_DIGITS_HINT}`);
    return BigInt(value);
  }
  if (typeof value !== 'string' || !INTEGER_TEXT.test(value.trim())) return new Invalid(`expected ${name}, got ${describe(value)}`);
  const n = BigInt(value.trim());
  if (n < INT64_MIN || n > INT64_MAX) return new Invalid(`${describe(value)} is outside the range of ${name} (-2^63 .. 2^63-1)`);
  return n;
};

/** Decimals as their unscaled integer at the declared scale (bigint): exact to precision 38. */
function decimalCoercer(precision: number, scale: number): Coerce {
  const name = `decimal(${precision},${scale})`;
  const factor = 10 ** scale;
  return (value) => {
    if (typeof value === 'number') return decimalOfNumber(value, precision, scale, factor, name);
    if (typeof value !== 'string') return new Invalid(`expected ${name}, got ${describe(value)}`);
    const text = value.trim();
    const m = DECIMAL_TEXT.exec(text);
    if (!m || (m[2] === '' && (m[3] ?? '') === '')) return new Invalid(`expected ${name}, got ${describe(value)}`);
    const whole = m[2]!.replace(/^0+/, '');
    const fraction = (m[3] ?? '').replace(/0+$/, '');
    if (fraction.length > scale)
      return new Invalid(`${describe(value)} has ${fraction.length} decimal places, more than the scale ${scale} of ${name}`);
    if (whole.length > precision - scale)
      return new Invalid(`${describe(value)} has ${whole.length} integer digits, more than ${name} holds (${precision - scale})`);
    return BigInt(`${m[1]}${whole + fraction.padEnd(scale, '0') || '0'}`);
  };
}

/**
 * A JSON number is binary: 0.1 + 0.2 is read as 0.3 at scale 2, while 12.345 still has too many places;
 * past 2^53 units its digits are not the ones sent, and it is refused rather than stored rounded.
 */
function decimalOfNumber(value: number, precision: number, scale: number, factor: number, name: string): PlainValue | Invalid {
  if (!Number.isFinite(value)) return new Invalid(`expected ${name}, got ${value}`);
  const scaled = value * factor;
  const units = Math.round(scaled);
  if (Math.abs(scaled - units) > 1e-9 * Math.max(1, Math.abs(scaled)))
    return new Invalid(`${value} has more decimal places than the scale ${scale} of ${name}`);
  if (!Number.isSafeInteger(units)) return new Invalid(`${value} cannot be read exactly as ${name}: ${JSON_DIGITS_HINT}`);
  const whole = Math.trunc(Math.abs(units) / factor);
  // Compared with 10^(integer digits) rather than counted in a string made per row; a safe integer
  // is below 10^16, and 10^k is exact in a double up to k = 22, so the comparison is exact.
  if (whole >= 10 ** (precision - scale))
    return new Invalid(`${value} has ${String(whole).length} integer digits, more than ${name} holds (${precision - scale})`);
  return BigInt(units);
}

function timestampCoercer(reading: TimestampReading): Coerce {
  const expected = reading.format
    ? `a timestamp (ISO-8601, or ${reading.format === 'epoch_seconds' ? 'epoch seconds' : 'epoch milliseconds'})`
    : 'a timestamp (ISO-8601 text)';
  return (value) => {
    const t = parseTimestamp(value, reading);
    if (t !== undefined) return t;
    if (typeof value === 'number' && !reading.format)
      return new Invalid(
        `expected ${expected}, got the number ${value}; declare the field's format ("epoch_seconds" or "epoch_millis") to read numbers`,
      );
    return new Invalid(`expected ${expected} between the years 1685 and 2255, got ${describe(value)}`);
  };
}

const dateCoercer: Coerce = (value) => {
  if (typeof value === 'number' && Number.isInteger(value)) return Math.floor(value / 86_400_000) * 86_400_000;
  if (typeof value === 'string') {
    // The calendar date as written: 2024-01-19T23:30-03:00 is the 19th where it was recorded.
    const m = DATE_TEXT.exec(value.trim());
    if (m && (value.trim().length === 10 || parseTimestampText(value, 'UTC') !== undefined)) {
      const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
      if (validDay(y, mo, d)) return Date.UTC(y, mo - 1, d);
    }
  }
  return new Invalid(`expected a date (yyyy-mm-dd), got ${describe(value)}`);
};

const booleanCoercer: Coerce = (value) => {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
  }
  return new Invalid(`expected a boolean, got ${describe(value)}`);
};

const stringCoercer: Coerce = (value) => {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return new Invalid(`expected a string, got ${describe(value)}`);
};

/** Any JSON value (an object, an array, a scalar) kept as its JSON text, queryable with json_extract. */
const jsonCoercer: Coerce = (value) => JSON.stringify(value);

const doubleCoercer: Coerce = (value) => numberOf(value) ?? new Invalid(`expected a number, got ${describe(value)}`);

function coercerOf(field: FieldConfig, timeZone: string): Coerce {
  switch (field.type) {
    case 'string':
      return stringCoercer;
    case 'integer':
      return integerCoercer(INT32_MIN, INT32_MAX, 'an integer (32-bit)');
    case 'long':
      return longCoercer;
    case 'double':
      return doubleCoercer;
    case 'decimal':
      return decimalCoercer(field.precision ?? 18, field.scale ?? 0);
    case 'boolean':
      return booleanCoercer;
    case 'date':
      return dateCoercer;
    case 'timestamp':
      return timestampCoercer({ format: field.format, timeZone });
    case 'json':
      return jsonCoercer;
  }
}

/**
 * A function coercing a raw record into `out`; `timeZone` is where a zone-less timestamp was written
 * (schedules.businessTimezone, the zone partition days are counted in). (the declared fields' values, in field order), returning
 * the issues of an invalid row or undefined. One `out` array serves every row: no allocation per row.
 */
export function compileRowCoercer(
  fields: readonly FieldConfig[],
  timeZone = 'UTC',
): (record: Record<string, unknown>, out: PlainValue[]) => FieldIssue[] | undefined {
  const compiled = fields.map((f) => ({
    name: f.name,
    required: f.required,
    isString: f.type === 'string',
    read: compileFieldReader(f),
    coerce: coercerOf(f, timeZone),
  }));
  return (record, out) => {
    let issues: FieldIssue[] | undefined;
    for (let i = 0; i < compiled.length; i++) {
      const f = compiled[i]!;
      const raw = f.read(record);
      // An empty text is no value, except in an optional string field where it is the empty string.
      if (raw === undefined || raw === null || (raw === '' && (f.required || !f.isString))) {
        if (f.required) (issues ??= []).push({ field: f.name, reason: 'required field is missing' });
        out[i] = null;
        continue;
      }
      const v = f.coerce(raw);
      if (v instanceof Invalid) {
        (issues ??= []).push({ field: f.name, reason: v.reason });
        out[i] = null;
      } else out[i] = v;
    }
    return issues;
  };
}

/** A function coercing a raw record to the declared fields' values, in field order. */
export function compileCoercer(fields: readonly FieldConfig[], timeZone = 'UTC'): (record: Record<string, unknown>) => CoercedRow {
  const coerceInto = compileRowCoercer(fields, timeZone);
  return (record) => {
    const values = new Array<PlainValue>(fields.length);
    const issues = coerceInto(record, values);
    return issues ? { ok: false, issues } : { ok: true, values };
  };
}
