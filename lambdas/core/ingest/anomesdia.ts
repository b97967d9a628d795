// Which `anomesdia` (yyyymmdd in the business timezone) a record belongs to, from its partition field.
import { parseTimestamp, parseTimestampText, validDay, type TimestampFormat, type TimestampReading } from '../instant.js';

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The calendar day (yyyymmdd) of an instant in an IANA timezone, through Intl (DST-safe). */
function yyyymmddInTimezone(instant: Date | number, timeZone: string): string {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  let y = '';
  let m = '';
  let d = '';
  for (const part of f.formatToParts(instant)) {
    if (part.type === 'year') y = part.value;
    else if (part.type === 'month') m = part.value;
    else if (part.type === 'day') d = part.value;
  }
  return `${y}${m}${d}`;
}

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Epoch ms of a record's time (ISO text through the one timestamp parse, zone-less read as UTC; epoch
 * ms; or a Date), or undefined when it is no time at all (2024-02-30 included).
 */
export function instantOf(value: unknown): number | undefined {
  if (typeof value === 'string') {
    const micros = parseTimestampText(value, 'UTC');
    return micros === undefined ? undefined : Math.floor(micros / 1000);
  }
  const ms = typeof value === 'number' ? value : value instanceof Date ? value.getTime() : Number.NaN;
  return Number.isFinite(ms) ? ms : undefined;
}
// Every timezone offset in use is a multiple of 15 minutes, so a 15-minute slot lies within one business day.
const SLOT_MS = 15 * 60_000;

/**
 * Assigns partition days in one timezone, from the instant refine stores (the same parse, the same
 * zone for a zone-less time, numbers only in the field's declared format). Intl formatting costs
 * microseconds, which adds up over a million records, so days are cached per 15-minute slot of time.
 */
export class AnomesdiaAssigner {
  private readonly slots = new Map<number, string>();
  private readonly reading: TimestampReading;

  constructor(
    readonly timeZone: string,
    format?: TimestampFormat,
  ) {
    this.reading = { timeZone, format };
  }

  /** The day of a value (ISO text, a calendar date, or a number in the declared format); undefined when it is no time at all. */
  of(value: unknown): string | undefined {
    if (typeof value === 'string') {
      const date = CALENDAR_DATE.exec(value);
      // A calendar date names its day already; converting it to an instant would shift it across zones.
      if (date) return validDay(Number(date[1]), Number(date[2]), Number(date[3])) ? `${date[1]}${date[2]}${date[3]}` : undefined;
    }
    const micros = parseTimestamp(value, this.reading);
    return micros === undefined ? undefined : this.ofInstant(Math.floor(micros / 1000));
  }

  ofInstant(ms: number): string {
    const slot = Math.floor(ms / SLOT_MS);
    let day = this.slots.get(slot);
    if (day === undefined) {
      day = yyyymmddInTimezone(ms, this.timeZone);
      if (this.slots.size > 100_000) this.slots.clear();
      this.slots.set(slot, day);
    }
    return day;
  }
}
