// Type coercion of raw bronze records to a source's declared fields: each field value becomes the
// in-memory value of its type, or the row is invalid with the field and the reason.
import type { FieldConfig } from '../config.js';
import { compileFieldReader } from './record-path.js';

/**
 * A coerced value before it becomes a Parquet cell: string, number (integer, long, double, decimal;
 * date and timestamp as epoch milliseconds), boolean, or null. Primitives keep dedupe keys cheap.
 */
export type PlainValue = string | number | boolean | null;

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
const INTEGER_TEXT = /^[+-]?\d+$/;
const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?$/;
const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})/;
const TIMESTAMP_TEXT = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

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

function decimalCoercer(precision: number, scale: number): Coerce {
  const name = `decimal(${precision},${scale})`;
  return (value) => {
    if (typeof value === 'number') return decimalOfNumber(value, precision, scale, name);
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
    return Number(`${m[1]}${whole || '0'}.${fraction || '0'}`);
  };
}

/** A JSON number is binary: 0.1 + 0.2 is read as 0.3 at scale 2, while 12.345 still has too many places. */
function decimalOfNumber(value: number, precision: number, scale: number, name: string): PlainValue | Invalid {
  if (!Number.isFinite(value)) return new Invalid(`expected ${name}, got ${value}`);
  const factor = 10 ** scale;
  const scaled = value * factor;
  const units = Math.round(scaled);
  if (Math.abs(scaled - units) > 1e-9 * Math.max(1, Math.abs(scaled)))
    return new Invalid(`${value} has more decimal places than the scale ${scale} of ${name}`);
  const whole = Math.trunc(Math.abs(units) / factor);
  const digits = whole === 0 ? 0 : String(whole).length;
  if (digits > precision - scale)
    return new Invalid(`${value} has ${digits} integer digits, more than ${name} holds (${precision - scale})`);
  return units / factor;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDay(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  if (d <= DAYS_IN_MONTH[m - 1]!) return true;
  return m === 2 && d === 29 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
}

/** The form APIs send most: UTC with seconds, e.g. 2024-01-19T10:00:00.123Z, read without a regex match array. */
const CANONICAL_UTC = /^\d{4}-\d\d-\d\dT(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,3})?Z$/;

/** The decimal number written by the ASCII digits text[from, to). */
function digits(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + text.charCodeAt(i) - 48;
  return n;
}

/** Epoch ms of an ISO-8601 text; a time without a zone is read as UTC. */
export function parseTimestamp(text: string): number | undefined {
  if (text.length === 24 && CANONICAL_UTC.test(text)) {
    // yyyy-mm-ddThh:mm:ss.sssZ, the form JSON APIs write: read by position, the regex has checked it.
    const y = digits(text, 0, 4);
    const mo = digits(text, 5, 7);
    const d = digits(text, 8, 10);
    // Date.UTC reads years below 100 as 19xx: those few go through Date.parse below.
    if (y >= 100)
      return validDay(y, mo, d)
        ? Date.UTC(y, mo - 1, d, digits(text, 11, 13), digits(text, 14, 16), digits(text, 17, 19), digits(text, 20, 23))
        : undefined;
  }
  if (CANONICAL_UTC.test(text)) {
    // Date.parse rolls 2024-02-30 over to March: the day is checked apart.
    const ms = Date.parse(text);
    return validDay(Number(text.slice(0, 4)), Number(text.slice(5, 7)), Number(text.slice(8, 10))) ? ms : undefined;
  }
  const m = TIMESTAMP_TEXT.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((p) => (p === undefined ? 0 : Number(p))) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (!validDay(y, mo, d) || h > 23 || mi > 59 || s > 59) return undefined;
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  let offset = 0;
  const zone = m[8];
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    offset = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0')) * 60_000;
  }
  return Date.UTC(y, mo - 1, d, h, mi, s, ms) - offset;
}

const timestampCoercer: Coerce = (value) => {
  if (typeof value === 'number')
    return Number.isInteger(value) ? value : new Invalid(`expected a timestamp (ISO-8601 or epoch milliseconds), got ${value}`);
  if (typeof value === 'string') {
    const t = parseTimestamp(value);
    if (t !== undefined) return t;
  }
  return new Invalid(`expected a timestamp (ISO-8601 or epoch milliseconds), got ${describe(value)}`);
};

const dateCoercer: Coerce = (value) => {
  if (typeof value === 'number' && Number.isInteger(value)) return Math.floor(value / 86_400_000) * 86_400_000;
  if (typeof value === 'string') {
    // The calendar date as written: 2024-01-19T23:30-03:00 is the 19th where it was recorded.
    const m = DATE_TEXT.exec(value.trim());
    if (m && (value.trim().length === 10 || parseTimestamp(value) !== undefined)) {
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

function coercerOf(field: FieldConfig): Coerce {
  switch (field.type) {
    case 'string':
      return stringCoercer;
    case 'integer':
      return integerCoercer(INT32_MIN, INT32_MAX, 'an integer (32-bit)');
    case 'long':
      return integerCoercer(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 'a long integer');
    case 'double':
      return doubleCoercer;
    case 'decimal':
      return decimalCoercer(field.precision ?? 18, field.scale ?? 0);
    case 'boolean':
      return booleanCoercer;
    case 'date':
      return dateCoercer;
    case 'timestamp':
      return timestampCoercer;
    case 'json':
      return jsonCoercer;
  }
}

/**
 * A function coercing a raw record into `out` (the declared fields' values, in field order), returning
 * the issues of an invalid row or undefined. One `out` array serves every row: no allocation per row.
 */
export function compileRowCoercer(
  fields: readonly FieldConfig[],
): (record: Record<string, unknown>, out: PlainValue[]) => FieldIssue[] | undefined {
  const compiled = fields.map((f) => ({
    name: f.name,
    required: f.required,
    isString: f.type === 'string',
    read: compileFieldReader(f),
    coerce: coercerOf(f),
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
export function compileCoercer(fields: readonly FieldConfig[]): (record: Record<string, unknown>) => CoercedRow {
  const coerceInto = compileRowCoercer(fields);
  return (record) => {
    const values = new Array<PlainValue>(fields.length);
    const issues = coerceInto(record, values);
    return issues ? { ok: false, issues } : { ok: true, values };
  };
}
