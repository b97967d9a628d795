// Which `anomesdia` (yyyymmdd in the business timezone) a record belongs to, from its partition field.

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
const DATE_PREFIX = /^(\d{4})-(\d{2})-(\d{2})/;

/**
 * Epoch ms of a record's time (ISO instant, calendar date, epoch ms or Date), or undefined when it is no
 * time at all. Date.parse rolls 2024-02-30 over to March 1st: a day the month lacks is no time here.
 */
export function instantOf(value: unknown): number | undefined {
  let ms: number;
  if (typeof value === 'string') {
    const date = DATE_PREFIX.exec(value);
    if (date && !validCalendarDay(Number(date[1]), Number(date[2]), Number(date[3]))) return undefined;
    ms = Date.parse(value);
  } else if (typeof value === 'number') ms = value;
  else if (value instanceof Date) ms = value.getTime();
  else return undefined;
  return Number.isFinite(ms) ? ms : undefined;
}
// Every timezone offset in use is a multiple of 15 minutes, so a 15-minute slot lies within one business day.
const SLOT_MS = 15 * 60_000;

/**
 * Assigns partition days in one timezone. Intl formatting costs microseconds, which adds up over a
 * million records, so days are cached per 15-minute slot of time.
 */
export class AnomesdiaAssigner {
  private readonly slots = new Map<number, string>();

  constructor(readonly timeZone: string) {}

  /** The day of a value (ISO instant, calendar date, epoch ms or Date); undefined when it is no time at all. */
  of(value: unknown): string | undefined {
    if (typeof value === 'string') {
      const date = CALENDAR_DATE.exec(value);
      // A calendar date names its day already; converting it to an instant would shift it across zones.
      if (date) return validCalendarDay(Number(date[1]), Number(date[2]), Number(date[3])) ? `${date[1]}${date[2]}${date[3]}` : undefined;
    }
    const ms = instantOf(value);
    return ms === undefined ? undefined : this.ofInstant(ms);
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

function validCalendarDay(y: number, m: number, d: number): boolean {
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}
