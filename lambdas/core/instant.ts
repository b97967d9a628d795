// The one parse of a record's timestamp into epoch microseconds, shared by refine (the value stored in
// silver) and the partition assigner (the day it is stored under), so that the two can never disagree.
//
// Why epoch microseconds in a float64: every integer up to 2^53 is exact in a double, and 2^53 µs is
// about 285 years either side of 1970 (years 1685 to 2255). Within that range a timestamp is held,
// compared and written as TIMESTAMP_MICROS without a BigInt per value, at the cost of a range check
// here; an instant outside it is not a timestamp the pipeline accepts.

/** How a numeric timestamp is read; a field without one accepts only ISO-8601 text. */
export const TIMESTAMP_FORMATS = ['epoch_seconds', 'epoch_millis'] as const;
export type TimestampFormat = (typeof TIMESTAMP_FORMATS)[number];

export interface TimestampReading {
  /** The field's declared numeric format, if any. */
  format?: TimestampFormat;
  /** The IANA zone of a timestamp written without one (schedules.businessTimezone). */
  timeZone: string;
}

/** The least and greatest epoch microseconds held exactly (±2^53 - 1). */
export const MAX_EXACT_MICROS = Number.MAX_SAFE_INTEGER;

const TIMESTAMP_TEXT = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const INTEGER_TEXT = /^[+-]?\d+$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function validDay(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  if (d <= DAYS_IN_MONTH[m - 1]!) return true;
  return m === 2 && d === 29 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at an instant, in ms, through Intl (never the process's TZ). */
function zoneOffsetMs(ms: number, timeZone: string): number {
  let f = offsetFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    offsetFormatters.set(timeZone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(ms)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return wall - (ms - (((ms % 1000) + 1000) % 1000));
}

/**
 * Epoch ms of a wall-clock time in a zone. A time the zone skips (a DST gap) moves forward by the gap; a
 * time it repeats (the hour after DST ends) is its first occurrence.
 */
function wallTimeToUtc(wall: number, timeZone: string): number {
  if (timeZone === 'UTC') return wall;
  const first = wall - zoneOffsetMs(wall, timeZone);
  const second = wall - zoneOffsetMs(first, timeZone);
  if (first === second) return first;
  // The two guesses straddle a transition: the earlier one that maps back to this wall time, else the later.
  const earlier = Math.min(first, second);
  return earlier + zoneOffsetMs(earlier, timeZone) === wall ? earlier : Math.max(first, second);
}

/** Epoch µs of an ISO-8601 text (a zone-less one read in `timeZone`), or undefined; digits below a microsecond are dropped. */
export function parseTimestampText(text: string, timeZone: string): number | undefined {
  return text.length === 24 ? (canonicalUtcMicros(text) ?? generalTimestampText(text, timeZone)) : generalTimestampText(text, timeZone);
}

/**
 * yyyy-mm-ddThh:mm:ss.sssZ, the form JSON APIs write (Date.toISOString), read by position: every
 * character checked by code and the day counted by arithmetic, no regex and no Date.UTC. Refine reads
 * three of these a row: `npm run bench -- instant` measures this at about 90 ns a text, against about 170
 * for the regex-and-Date.UTC reading it replaces and over 1,000 for the general path. Any other text (or a
 * value out of range) is left to the general path, which test/core/instant.test.ts holds it to.
 */
function canonicalUtcMicros(text: string): number | undefined {
  if (
    text.charCodeAt(4) !== 45 ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 84 ||
    text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58 ||
    text.charCodeAt(19) !== 46 ||
    text.charCodeAt(23) !== 90
  )
    return undefined;
  const century = twoDigits(text, 0);
  const yy = twoDigits(text, 2);
  const mo = twoDigits(text, 5);
  const d = twoDigits(text, 8);
  const h = twoDigits(text, 11);
  const mi = twoDigits(text, 14);
  const s = twoDigits(text, 17);
  const centis = twoDigits(text, 20);
  const lastMs = text.charCodeAt(22) - 48;
  // -1 marks a non-digit, so one OR of them all tells that each pair was digits.
  if ((century | yy | mo | d | h | mi | s | centis) < 0 || lastMs < 0 || lastMs > 9 || h > 23 || mi > 59 || s > 59) return undefined;
  const y = century * 100 + yy;
  if (y < 100 || !validDay(y, mo, d)) return undefined;
  const micros = ((daysFromCivil(y, mo, d) * 86_400 + h * 3_600 + mi * 60 + s) * 1000 + centis * 10 + lastMs) * 1000;
  return Math.abs(micros) <= MAX_EXACT_MICROS ? micros : undefined;
}

/** The number written by the two ASCII digits at text[at, at + 2), or -1. */
function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - 48;
  const b = text.charCodeAt(at + 1) - 48;
  return a < 0 || a > 9 || b < 0 || b > 9 ? -1 : a * 10 + b;
}

/** Days from 1970-01-01 to a day of the proleptic Gregorian calendar (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** parseTimestampText for every shape it reads: what the fast path above must agree with. */
export function generalTimestampText(text: string, timeZone: string): number | undefined {
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
  const micros = m[7] ? Number(m[7].slice(0, 6).padEnd(6, '0')) : 0;
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const zone = m[8];
  let ms: number;
  if (zone === undefined) ms = wallTimeToUtc(wall, timeZone);
  else if (zone.toUpperCase() === 'Z') ms = wall;
  else {
    const sign = zone[0] === '-' ? -1 : 1;
    const hhmm = zone.slice(1).replace(':', '');
    ms = wall - sign * (Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(2, 4) || '0')) * 60_000;
  }
  return inRange(ms * 1000 + micros, y);
}

/** The value when it is held exactly; years below 100 are not read (Date.UTC would take them as 19xx). */
function inRange(micros: number, year: number): number | undefined {
  return year >= 100 && Math.abs(micros) <= MAX_EXACT_MICROS ? micros : undefined;
}

/**
 * Epoch µs of a record's timestamp: ISO-8601 text, or a number (or integer text) in the declared
 * `format`. Undefined when it is none of those; a number without a format is no timestamp.
 */
export function parseTimestamp(value: unknown, reading: TimestampReading): number | undefined {
  const { format } = reading;
  if (typeof value === 'string') {
    if (format && INTEGER_TEXT.test(value.trim())) return parseTimestamp(Number(value), reading);
    return parseTimestampText(value, reading.timeZone);
  }
  if (typeof value !== 'number' || !format || !Number.isFinite(value)) return undefined;
  const micros = Math.round(value * (format === 'epoch_seconds' ? 1e6 : 1e3));
  return Math.abs(micros) <= MAX_EXACT_MICROS ? micros : undefined;
}
