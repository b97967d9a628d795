// The watermark candidate of an ingestion run, bounded by the run's window end and clock, and the records
// that claim a time after the clock (a typo such as 2099, a local time sent as UTC): counted and listed.
import { instantOf } from './anomesdia.js';
import type { FutureRecords } from './types.js';

/** Records listed by name in the manifest; the count covers them all. */
const LISTED = 20;

export class WatermarkTracker {
  private latest: number | undefined;
  private count = 0;
  private readonly listed: FutureRecords['listed'] = [];
  /** Neither a record nor the window may move the watermark past this: min(window end, now). */
  private readonly bound: number;
  /**
   * `yyyy-mm-dd` two days before the clock: a time written on an earlier day is in the past whatever its
   * zone offset (at most 14 h), so a run that needs no latest time (HTTP) skips parsing it.
   */
  private readonly surelyPast: string;

  constructor(
    private readonly field: string,
    private readonly windowTo: string,
    private readonly now: Date,
    /** Whether latestRecord() is wanted: the file drop's watermark comes from its records, HTTP's from the window. */
    private readonly fromRecords: boolean,
  ) {
    this.bound = Math.min(Date.parse(windowTo), now.getTime());
    this.surelyPast = new Date(now.getTime() - 2 * 86_400_000).toISOString().slice(0, 10);
  }

  /** The window's end, or the clock when the window ends later (a backfill up to today): what an HTTP run advances to. */
  windowEnd(): string {
    return Date.parse(this.windowTo) <= this.bound ? this.windowTo : this.now.toISOString();
  }

  /** Takes a record's time into account; `where` names it in the manifest (`a.ndjson record 3`, `page 2 record 17`). */
  observe(record: Record<string, unknown>, where: () => string): void {
    const value = record[this.field];
    if (!this.fromRecords && typeof value === 'string' && value.charCodeAt(4) === 45 && value < this.surelyPast) return;
    const t = instantOf(value);
    if (t === undefined) return;
    if (t > this.now.getTime()) {
      this.count++;
      if (this.listed.length < LISTED) this.listed.push({ at: where(), value: String(value) });
    }
    if (this.latest === undefined || t > this.latest) this.latest = t;
  }

  /** The latest record time, never past the window's end or the clock; windowEnd() when no record had a time. */
  latestRecord(): string {
    return this.latest === undefined || this.latest >= this.bound ? this.windowEnd() : new Date(this.latest).toISOString();
  }

  /** The records dated after the run's clock, or undefined when there were none. */
  future(): FutureRecords | undefined {
    if (this.count === 0) return undefined;
    return { after: this.now.toISOString(), count: this.count, listed: [...this.listed] };
  }
}
