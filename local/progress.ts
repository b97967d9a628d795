// Live ingestion progress for the local run: one cli-progress bar per source on a terminal (pages,
// records, rate, ETA when the API reports a total); on a non-interactive output at most one line per
// source every few seconds, plus a final line, so that CI logs stay readable.
import cliProgress from 'cli-progress';
import type { IngestProgress, ProgressState } from '../lambdas/core/ingest/progress.js';

export interface LocalProgressOptions {
  /** Where to draw [process.stderr]. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Draw bars (true) or throttled lines (false) [stream.isTTY]. */
  tty?: boolean;
  /** Non-TTY: the least time between two lines of one source [5000 ms]. */
  lineIntervalMs?: number;
  /** [Date.now] */
  now?: () => number;
}

interface SourceState extends ProgressState {
  kind: 'http' | 'files';
  started: number;
  lastLine: number;
  bar?: cliProgress.SingleBar;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.ceil(s)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(Math.ceil(s % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** The progress of one source as text: pages, records, rate, and the ETA when a total is known. */
export function describeProgress(source: string, state: ProgressState & { kind?: 'http' | 'files' }, elapsedMs: number): string {
  const seconds = Math.max(elapsedMs, 1) / 1000;
  const rate = state.records / seconds;
  const unit = state.kind === 'files' ? 'files' : 'pages';
  const pages = state.totalPages !== undefined ? `${int(state.pages)}/${int(state.totalPages)} ${unit}` : `${int(state.pages)} ${unit}`;
  const records =
    state.totalRecords !== undefined ? `${int(state.records)}/${int(state.totalRecords)} records` : `${int(state.records)} records`;
  let eta = '';
  if (state.totalRecords !== undefined && rate > 0) eta = ` | ETA ${formatSeconds(Math.max(0, state.totalRecords - state.records) / rate)}`;
  else if (state.totalPages !== undefined && state.pages > 0)
    eta = ` | ETA ${formatSeconds(((state.totalPages - state.pages) * seconds) / state.pages)}`;
  return `${source} | ${pages} | ${records} | ${int(rate)} rec/s${eta}`;
}

export class LocalProgress implements IngestProgress {
  private readonly stream: NonNullable<LocalProgressOptions['stream']>;
  private readonly tty: boolean;
  private readonly interval: number;
  private readonly now: () => number;
  private readonly sources = new Map<string, SourceState>();
  private multibar?: cliProgress.MultiBar;

  constructor(options: LocalProgressOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.tty = options.tty ?? Boolean(this.stream.isTTY);
    this.interval = options.lineIntervalMs ?? 5_000;
    this.now = options.now ?? Date.now;
  }

  start(source: string, info: { kind: 'http' | 'files' }): void {
    const state: SourceState = { kind: info.kind, pages: 0, records: 0, started: this.now(), lastLine: this.now() };
    this.sources.set(source, state);
    if (!this.tty) return;
    this.multibar ??= new cliProgress.MultiBar(
      {
        stream: this.stream as NodeJS.WritableStream,
        format: (_options, params, payload: { text?: string }) =>
          `${this.barOf(params.total > 0 ? params.progress : undefined, params.maxWidth)} ${payload.text ?? ''}`,
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    state.bar = this.multibar.create(0, 0, { text: describeProgress(source, state, 0) });
  }

  update(source: string, progress: ProgressState): void {
    const state = this.sources.get(source);
    if (!state) return;
    Object.assign(state, progress);
    const now = this.now();
    const text = describeProgress(source, state, now - state.started);
    if (state.bar) {
      const [value, total] =
        state.totalRecords !== undefined
          ? [state.records, state.totalRecords]
          : state.totalPages !== undefined
            ? [state.pages, state.totalPages]
            : [0, 0];
      state.bar.setTotal(total);
      state.bar.update(value, { text });
      return;
    }
    if (now - state.lastLine < this.interval) return;
    state.lastLine = now;
    this.stream.write(`[progress] ${text}\n`);
  }

  finish(source: string, outcome: ProgressState & { status: 'SUCCEEDED' | 'FAILED'; message?: string }): void {
    const state = this.sources.get(source);
    if (!state) return;
    Object.assign(state, outcome);
    const elapsed = this.now() - state.started;
    const line = `${describeProgress(source, { ...state, totalPages: undefined, totalRecords: undefined }, elapsed)} | ${outcome.status} in ${formatSeconds(elapsed / 1000)}${outcome.status === 'FAILED' && outcome.message ? `: ${outcome.message}` : ''}`;
    this.sources.delete(source);
    if (state.bar) {
      state.bar.setTotal(Math.max(1, state.records));
      state.bar.update(Math.max(1, state.records), { text: line });
      if ([...this.sources.values()].every((s) => !s.bar)) {
        this.multibar?.stop();
        this.multibar = undefined;
      }
      return;
    }
    this.stream.write(`[progress] ${line}\n`);
  }

  private barOf(progress: number | undefined, maxWidth: number): string {
    const width = Math.max(10, Math.min(30, Math.floor(maxWidth / 5)));
    if (progress === undefined) return `[${'·'.repeat(width)}]`;
    const full = Math.round(Math.min(1, Math.max(0, progress)) * width);
    return `[${'█'.repeat(full)}${'░'.repeat(width - full)}]`;
  }
}

export function createLocalProgress(options?: LocalProgressOptions): IngestProgress {
  return new LocalProgress(options);
}
