import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../lambdas/core/errors.js';
import * as localErrors from '../../local/errors.js';
import { CommandLineError, NoLocalLakeError } from '../../local/errors.js';
import { queryCommand } from '../../local/query.js';
import { formatRuns, runListing, runsCommand } from '../../local/runs.js';
import type { JourneyRecord, StepRecord } from '../../lambdas/ports/state-stores.js';
import { commandLineInput } from '../../local/run.js';
import { npmStart } from './npm-start.js';

describe('npm start command line', () => {
  it('turns the options into the execution input: D-1 without --from, a backfill with it', () => {
    expect(commandLineInput({})).toEqual({ mode: 'daily', force: false });
    expect(commandLineInput({ from: '2024-03-01', to: '2024-03-03', force: true, sources: 'sor, sot,' })).toEqual({
      mode: 'backfill',
      from: '2024-03-01',
      to: '2024-03-03',
      force: true,
      sources: ['sor', 'sot'],
    });
  });

  it('refuses --to without --from instead of silently running D-1, naming the option', () => {
    expect(() => commandLineInput({ to: '2024-03-14' })).toThrow(CommandLineError);
    expect(() => commandLineInput({ to: '2024-03-14' })).toThrow('--to 2024-03-14 needs --from');
  });

  it('exits with 2 and the usage on --to alone, before anything starts', async () => {
    const { code, stderr, stdout } = await npmStart(['--to', '2024-03-14', '--data-dir', '/nonexistent/never-created']).ended;
    expect(code).toBe(2);
    expect(stderr).toMatch(/^CommandLineError: --to 2024-03-14 needs --from.*\n\nUsage: npm start -- /);
    expect(stdout).toBe('');
  });

  it('exits with 1 on a --config file that does not exist, naming it, before anything starts and without a stack trace', async () => {
    const { code, stderr, stdout } = await npmStart(['--config', '/nonexistent/my.json', '--data-dir', '/nonexistent/never-created']).ended;
    expect(code).toBe(1);
    expect(stderr).toBe(
      'ConfigFileError: Cannot use pipeline config file /nonexistent/my.json: no such file. Pass an existing JSON file with --config path/to/config.json\n',
    );
    expect(stdout).toBe('');
    expect(existsSync('/nonexistent/never-created')).toBe(false);
  });

  it('refuses a query or a listing of a folder no run wrote to, and a wrong --limit or an empty query', async () => {
    const nowhere = join(tmpdir(), 'medallion-never-run');
    await expect(queryCommand({ 'data-dir': nowhere }, 'SELECT 1')).rejects.toThrow(NoLocalLakeError);
    await expect(queryCommand({ 'data-dir': nowhere }, 'SELECT 1')).rejects.toThrow(`No local run has written to ${nowhere}`);
    await expect(runsCommand({ 'data-dir': nowhere })).rejects.toThrow(NoLocalLakeError);
    await expect(runsCommand({ 'data-dir': nowhere, limit: '0' })).rejects.toThrow('--limit 0 is not a positive whole number');
    await expect(queryCommand({ 'data-dir': nowhere }, '  ')).rejects.toThrow(CommandLineError);
    expect(existsSync(nowhere)).toBe(false);
  });

  it('lists a journey with its window, duration, rows summed over the last record of each step, and error', () => {
    const step = (
      name: string,
      source: string,
      status: 'STARTED' | 'SUCCEEDED' | 'FAILED',
      rows: Partial<StepRecord> = {},
    ): StepRecord => ({
      name,
      source,
      status,
      started_at: '2024-03-15T02:00:00.000Z',
      ...rows,
    });
    const journey: JourneyRecord = {
      idempotency_key: 'abc123def456789',
      job_name: 'daily',
      status: 'FAILED',
      params: { window: { from: '2024-03-14T00:00:00.000Z', to: '2024-03-15T00:00:00.000Z', anomesdias: ['20240314'] } },
      steps: [
        step('ingest', 'a', 'STARTED'),
        step('ingest', 'a', 'SUCCEEDED', { rows_read: 10, rows_written: 10 }),
        step('ingest', 'b', 'SUCCEEDED', { rows_read: 5, rows_written: 5 }),
        step('refine', 'a', 'SUCCEEDED', { rows_read: 10, rows_written: 8, rows_invalid: 2 }),
        step('refine', 'b', 'FAILED', { error: 'silver bucket unreachable' }),
      ],
      retry_count: 0,
      started_at: '2024-03-15T02:00:00.000Z',
      updated_at: '2024-03-15T02:00:42.500Z',
      error: 'silver bucket unreachable',
    };
    const listing = runListing(journey);
    expect(listing).toEqual({
      runId: 'abc123def456789',
      job: 'daily',
      status: 'FAILED',
      window: { from: '2024-03-14T00:00:00.000Z', to: '2024-03-15T00:00:00.000Z' },
      started_at: '2024-03-15T02:00:00.000Z',
      durationMs: 42_500,
      rows: { ingested: 15, silver: 8, invalid: 2 },
      error: 'silver bucket unreachable',
    });
    const text = formatRuns([listing], '/data');
    expect(text.split('\n')[2]).toMatch(/^ {2}abc123def456 {2}daily {2}FAILED .* 42\.5s +15 +8 +2 {2}silver bucket unreachable$/);
    expect(formatRuns([], '/data')).toBe('No runs in /data yet.');
  });

  it("derives every runner error from the error model's permanent errors, named after its class", () => {
    const classes = Object.entries(localErrors).filter(([, v]) => typeof v === 'function');
    expect(classes.map(([name]) => name).sort()).toEqual([
      'CommandLineError',
      'DataFolderBusyError',
      'DataFolderLockError',
      'NamedQueryError',
      'NoLocalLakeError',
    ]);
    for (const [name, cls] of classes) {
      expect((cls as { prototype: unknown }).prototype instanceof PermanentError, name).toBe(true);
    }
    expect(new CommandLineError('x')).toMatchObject({ name: 'CommandLineError', code: 'CommandLineError', retryable: false });
  });
});
