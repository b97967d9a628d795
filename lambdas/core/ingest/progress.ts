// What ingestion reports while it runs; local/progress.ts draws it, Lambda leaves it silent.

export interface ProgressState {
  pages: number;
  records: number;
  /** Known when the API reports its total (totalPagesPath, totalPath) or for a file drop. */
  totalPages?: number;
  totalRecords?: number;
}

export interface IngestProgress {
  start(source: string, info: { kind: 'http' | 'files' }): void;
  update(source: string, state: ProgressState): void;
  finish(source: string, outcome: ProgressState & { status: 'SUCCEEDED' | 'FAILED'; message?: string }): void;
}

export const silentProgress: IngestProgress = {
  start: () => undefined,
  update: () => undefined,
  finish: () => undefined,
};
