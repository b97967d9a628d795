// The execution input contract and the run plan: which window, which sources, which consolidations.
import { z } from 'zod';
import { formatPath, type PipelineConfig } from './config.js';
import { idempotencyKey } from './hashing.js';
import type { RunMode, RunWindow } from './window.js';
import { PermanentError } from './errors.js';

/** The job name behind every pipeline journey's idempotency key. */
const PIPELINE_JOB_NAME = 'medallion-pipeline';

const isoDate = z.string().refine((s) => isCalendarDate(s), { error: (i) => `expected YYYY-MM-DD, got ${JSON.stringify(i.input)}` });

/**
 * What an execution is started with: by a schedule (`{"mode":"hourly"}`, `{"mode":"daily"}`), from the
 * console or the API (backfills, reruns, subsets), or by `npm start`. Unknown keys are errors.
 */
export const ExecutionInputSchema = z
  .object({
    /** hourly [default; `backfill` when `from` is given]: [watermark, now - lag); daily: D-1; backfill: from..to. */
    mode: z.enum(['hourly', 'daily', 'backfill']).optional(),
    /** Backfill: first business day, inclusive. */
    from: isoDate.optional(),
    /** Backfill: last business day, inclusive [from]. */
    to: isoDate.optional(),
    /** A subset of the declared sources [all]. */
    sources: z.array(z.string()).min(1).optional(),
    /** A subset of the declared consolidations as `database.tabela` [those fed by the chosen sources]. */
    consolidations: z.array(z.string()).optional(),
    /** Run again even when the same journey already completed. */
    force: z.boolean().default(false),
    /** The instant the run is planned at [the current time]; for tests and reproducible reruns. */
    now: z.iso.datetime({ offset: true, error: (i) => `expected an ISO-8601 instant, got ${JSON.stringify(i.input)}` }).optional(),
  })
  .strict();
export type ExecutionInput = z.input<typeof ExecutionInputSchema>;

/** An execution input that failed validation; `issues` names each wrong field. */
export class ExecutionInputError extends PermanentError {
  constructor(readonly issues: { path: string; message: string }[]) {
    super(
      'ExecutionInputError',
      `Invalid execution input: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}. ` +
        'See README.md, "Starting an execution", for examples.',
    );
  }
}

export interface PlannedSource {
  name: string;
  /** The window this source is asked for; in hourly runs it starts at the source's own watermark. */
  window: RunWindow;
}

export interface RunPlan {
  /** The journey's idempotency key: the same window and sources give the same journey. */
  runId: string;
  /** The canonical parameters hashed into runId, stored with the journey. */
  jobParams: Record<string, unknown>;
  force: boolean;
  /** The whole run's window: the earliest source start to the common end. */
  window: RunWindow;
  sources: PlannedSource[];
  /** `database.tabela_consolidada` names. */
  consolidations: string[];
  /** Declared sources this run leaves out because they are disabled (`enabled: false`). */
  skipped: string[];
}

/** The sources the config keeps but no schedule, file drop or default plan runs. */
export function disabledSources(config: PipelineConfig): string[] {
  return config.sources.filter((s) => !s.enabled).map((s) => s.name);
}

export interface PlanContext {
  now: Date;
  /** Current watermark per source name (absent when the source never ran). */
  watermarks: Record<string, string | undefined>;
}

/** Validates a raw execution input against the config, throwing ExecutionInputError with every wrong field. */
export function parseExecutionInput(config: PipelineConfig, raw: unknown): z.output<typeof ExecutionInputSchema> & { mode: RunMode } {
  const parsed = ExecutionInputSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new ExecutionInputError(parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })));
  const input = parsed.data;
  const mode: RunMode = input.mode ?? (input.from !== undefined ? 'backfill' : 'hourly');
  const issues: { path: string; message: string }[] = [];
  const declared = config.sources.map((s) => s.name);
  input.sources?.forEach((s, i) => {
    if (!declared.includes(s))
      issues.push({ path: `sources[${i}]`, message: `"${s}" is not a declared source; declared: ${declared.join(', ')}` });
    else if (disabledSources(config).includes(s))
      issues.push({
        path: `sources[${i}]`,
        message: `"${s}" is disabled (enabled: false in the config); set it to true to run the source, or leave it out`,
      });
  });
  if (input.sources === undefined && config.sources.every((s) => !s.enabled))
    issues.push({ path: 'sources', message: 'every source is disabled (enabled: false); enable one to run the pipeline' });
  const tables = config.consolidations.map((c) => `${c.database}.${c.tabela_consolidada}`);
  input.consolidations?.forEach((c, i) => {
    if (!tables.includes(c))
      issues.push({
        path: `consolidations[${i}]`,
        message: `"${c}" is not a declared consolidation; declared: ${tables.join(', ') || '(none)'}`,
      });
  });
  if (mode === 'backfill') {
    if (input.from === undefined) issues.push({ path: 'from', message: 'a backfill needs from (YYYY-MM-DD) and optionally to' });
    else if (input.to !== undefined && input.to < input.from)
      issues.push({ path: 'to', message: `${input.to} is before from ${input.from}` });
    else if (input.to !== undefined) {
      const days = (Date.parse(`${input.to}T00:00:00Z`) - Date.parse(`${input.from}T00:00:00Z`)) / 86_400_000 + 1;
      const max = config.limits.maxBackfillDays;
      if (days > max)
        issues.push({
          path: 'to',
          message: `a backfill of ${days} days (${input.from} to ${input.to}) is longer than limits.maxBackfillDays (${max}); split it into executions of at most ${max} days`,
        });
    }
  } else if (input.from !== undefined || input.to !== undefined) {
    issues.push({ path: input.from !== undefined ? 'from' : 'to', message: `from and to apply only to mode "backfill", not "${mode}"` });
  }
  if (issues.length > 0) throw new ExecutionInputError(issues);
  return { ...input, mode };
}

/**
 * Plans one run. Hourly: each source takes [its watermark, now - lag), cut at the whole minute so that a
 * duplicate delivery of the same schedule event plans the same journey; a source that never ran starts at
 * the beginning of the previous business day. Daily: D-1, the previous business day. Backfill: the business
 * days from..to, inclusive. Business days are counted in `schedules.businessTimezone`.
 */
export function planRun(config: PipelineConfig, rawInput: unknown, context: PlanContext): RunPlan {
  const input = parseExecutionInput(config, rawInput);
  const tz = config.schedules.businessTimezone;
  const now = input.now !== undefined ? new Date(input.now) : context.now;
  const sourceNames = input.sources
    ? config.sources.map((s) => s.name).filter((n) => input.sources!.includes(n))
    : config.sources.filter((s) => s.enabled).map((s) => s.name);
  const consolidations = (
    input.consolidations ??
    config.consolidations.filter((c) => c.origens.some((o) => sourceNames.includes(o))).map((c) => `${c.database}.${c.tabela_consolidada}`)
  )
    .slice()
    .sort();

  let sources: PlannedSource[];
  let jobParams: Record<string, unknown>;
  if (input.mode === 'hourly') {
    const lagMs = config.schedules.hourly.lagMinutes * 60_000;
    const to = new Date(Math.floor((now.getTime() - lagMs) / 60_000) * 60_000).toISOString();
    const firstStart = startOfBusinessDay(addDays(businessDate(now, tz), -1), tz);
    sources = sourceNames.map((name) => {
      const from = context.watermarks[name] ?? firstStart;
      // A watermark at or past the end gives an empty window rather than a reversed one.
      if (from >= to) return { name, window: makeWindow('hourly', to, to, tz) };
      // A watermark far behind (the schedule was off for months) catches up maxBackfillDays business days a
      // run, as a backfill would, so that the run's summaries still fit Step Functions' 256 KB state.
      const cap = startOfBusinessDay(addDays(businessDate(new Date(from), tz), config.limits.maxBackfillDays), tz);
      return { name, window: makeWindow('hourly', from, cap < to ? cap : to, tz) };
    });
    // An hourly run is identified by where it ends: its starts come from the watermarks it advances.
    jobParams = { mode: 'hourly', until: to, sources: sourceNames, consolidations };
  } else {
    const [firstDay, lastDay] =
      input.mode === 'daily'
        ? [addDays(businessDate(now, tz), -1), addDays(businessDate(now, tz), -1)]
        : [input.from!, input.to ?? input.from!];
    const window = makeWindow(input.mode, startOfBusinessDay(firstDay, tz), startOfBusinessDay(addDays(lastDay, 1), tz), tz);
    sources = sourceNames.map((name) => ({ name, window }));
    // A daily run and a one-day backfill of the same day are the same journey.
    jobParams = { days: { from: firstDay, to: lastDay }, sources: sourceNames, consolidations };
  }
  // The run's window spans its sources' windows; its days are theirs (a capped hourly window leaves a gap).
  const from = sources.map((s) => s.window.from).reduce((a, b) => (b < a ? b : a));
  const to = sources.map((s) => s.window.to).reduce((a, b) => (b > a ? b : a));
  const anomesdias = [...new Set(sources.flatMap((s) => s.window.anomesdias))].sort();
  return {
    runId: idempotencyKey(PIPELINE_JOB_NAME, jobParams),
    jobParams,
    force: input.force,
    window: { mode: input.mode, from, to, anomesdias },
    sources,
    consolidations,
    skipped: disabledSources(config),
  };
}

function makeWindow(mode: RunMode, from: string, to: string, tz: string): RunWindow {
  return { mode, from, to, anomesdias: anomesdiasOf(from, to, tz) };
}

/** The `anomesdia` values (yyyymmdd, business timezone) that [from, to) touches, ascending; none when empty. */
export function anomesdiasOf(from: string, to: string, tz: string): string[] {
  const start = new Date(from);
  const end = new Date(to);
  if (!(start < end)) return [];
  const last = businessDate(new Date(end.getTime() - 1), tz);
  const out: string[] = [];
  for (let day = businessDate(start, tz); day <= last; day = addDays(day, 1)) out.push(day.replaceAll('-', ''));
  return out;
}

// ---- calendar arithmetic in an IANA timezone, through Intl (no fixed 24-hour days, DST-safe) ----

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

function wallClock(instant: Date, tz: string): { date: string; ms: number } {
  const parts = Object.fromEntries(
    formatter(tz)
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  const ms = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return { date, ms };
}

/** The calendar date (YYYY-MM-DD) of an instant in a timezone. */
export function businessDate(instant: Date, tz: string): string {
  return wallClock(instant, tz).date;
}

/** The first instant (ISO, UTC) of a calendar day in a timezone; where midnight is skipped by DST, the day's first existing minute. */
export function startOfBusinessDay(day: string, tz: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const midnightUtc = Date.UTC(y, m - 1, d);
  const offsetAt = (t: number) => wallClock(new Date(t), tz).ms - Math.floor(t / 1000) * 1000;
  const first = midnightUtc - offsetAt(midnightUtc);
  const second = midnightUtc - offsetAt(first);
  const candidates = [first, second].filter((t) => businessDate(new Date(t), tz) === day);
  const start = candidates.length > 0 ? Math.min(...candidates) : Math.max(first, second);
  return new Date(start).toISOString();
}

export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

function isCalendarDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const [y, m, d] = s.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}
