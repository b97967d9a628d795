// The local run after a crash and under contention: one run per data folder, a dead run's folder and
// journey taken over at once, writes that a kill cannot leave half done, a data folder that can be moved,
// and one unreadable file that breaks only its own table.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalTableUnreadableError } from '../../lambdas/adapters/local/errors.js';
import { FsObjectStore } from '../../lambdas/adapters/local/fs-object-store.js';
import { LOCK_FILE, lockDataFolder } from '../../local/data-folder-lock.js';
import { DataFolderBusyError } from '../../local/errors.js';
import { runLocal, type LocalRunReport } from '../../local/local-run.js';
import { localQuery } from '../../local/query.js';
import { npmStart } from '../local/npm-start.js';

const NOW = new Date('2024-03-15T02:00:00Z');
const GOLD = 'db_batch.tbl_processado_operacao_consolidada_n1';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let root: string;
beforeAll(async () => void (root = await mkdtemp(join(tmpdir(), 'local-recovery-'))));
afterAll(async () => rm(root, { recursive: true, force: true }));

const rowsOf = async (dataDir: string, report: LocalRunReport, sql: string) =>
  JSON.stringify(await localQuery(dataDir, report.config, sql));

/** Every file under a folder, as paths. */
async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

describe('one data folder, many runs', () => {
  let completed: LocalRunReport;
  let dataDir: string;

  it('runs exactly one of ten concurrent runs; the nine others are told which process has the folder', async () => {
    dataDir = join(root, 'contended');
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () => runLocal({ dataDir, now: NOW, operations: 20, input: { mode: 'daily' } })),
    );
    const done = outcomes.filter((o) => o.status === 'fulfilled').map((o) => o.value);
    expect(done.map((r) => [r.outcome, r.error])).toEqual([['completed', undefined]]);
    completed = done[0]!;
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => o.reason as Error);
    expect(refused).toHaveLength(9);
    for (const err of refused) {
      expect(err).toBeInstanceOf(DataFolderBusyError);
      expect(err.message).toMatch(
        new RegExp(`^Data folder .*contended is in use by process ${process.pid} on .+, started \\S+ \\(.+\\); wait`),
      );
    }
    await expect(stat(join(dataDir, LOCK_FILE))).rejects.toThrow(/ENOENT/);
  });

  it('answers the same queries from a data folder moved elsewhere', async () => {
    const gold = `SELECT * FROM ${GOLD} ORDER BY num_oper, cod_idef_ver_oper`;
    const silver = 'SELECT * FROM db_silver.sor ORDER BY _content_hash';
    const before = [await rowsOf(dataDir, completed, gold), await rowsOf(dataDir, completed, silver)];
    expect(JSON.parse(before[0]!)).toHaveLength(Number(completed.sample!.total));
    const moved = join(root, 'moved');
    await rename(dataDir, moved);
    dataDir = moved;
    expect(await readFile(join(moved, 'catalog.json'), 'utf8')).not.toContain(join(root, 'contended'));
    expect([await rowsOf(moved, completed, gold), await rowsOf(moved, completed, silver)]).toEqual(before);
    // The moved folder runs too: its journey, in dynalite's files, moved with it.
    expect((await runLocal({ dataDir: moved, now: NOW, operations: 20, input: { mode: 'daily' } })).outcome).toBe('already-completed');
  });

  it('fails only the queries on a table whose Parquet file is unreadable, naming the file', async () => {
    const sotFiles = (await filesUnder(join(dataDir, 'lake', 'silver', 'sot'))).filter((f) => f.endsWith('.parquet'));
    expect(sotFiles.length).toBeGreaterThan(0);
    const bad = sotFiles[0]!;
    const bytes = await readFile(bad);
    await writeFile(bad, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const goldRows = await localQuery(dataDir, completed.config, `SELECT count(*) AS n FROM ${GOLD}`);
    expect(goldRows).toEqual([{ n: completed.sample!.total }]);
    expect((await localQuery(dataDir, completed.config, 'SELECT count(*) AS n FROM db_silver.sor'))[0]!.n).toBeGreaterThan(0);
    const err = await localQuery(dataDir, completed.config, 'SELECT count(*) AS n FROM db_silver.sot').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LocalTableUnreadableError);
    expect((err as Error).message).toContain(`Table db_silver.sot cannot be read: file ${bad} is not readable Parquet`);
  });
});

// Each test here waits on a child process: they run at the same time, on folders of their own.
describe.concurrent('a run that died', () => {
  it('tells npm start that the folder is in use, naming the process, and exits with 1 and no stack trace', async () => {
    const dataDir = join(root, 'held');
    const lock = await lockDataFolder(dataDir);
    try {
      const { code, stdout, stderr } = await npmStart(['--data-dir', dataDir]).ended;
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr.trim()).toMatch(
        new RegExp(`^DataFolderBusyError: Data folder ${dataDir} is in use by process ${process.pid} on [^\\n]+$`),
      );
    } finally {
      await lock.release();
    }
  });

  it('after npm start is killed (-9) mid-run, runs again at once: folder and journey taken over, leftovers removed', async () => {
    const dataDir = join(root, 'killed');
    const run = npmStart(['--data-dir', dataDir, '--from', '2024-03-14', '--operations', '20']);
    await run.printed('Plan done');
    // While it runs, the folder is its own.
    await expect(runLocal({ dataDir, now: NOW, input: { mode: 'backfill', from: '2024-03-14' } })).rejects.toThrow(
      `is in use by process ${run.child.pid} on`,
    );
    run.child.kill('SIGKILL');
    expect((await run.ended).signal).toBe('SIGKILL');
    // What a write killed mid-way leaves, from a minute ago (the kill itself may have left younger ones).
    const leftover = join(dataDir, 'lake', 'silver', 'left.parquet.0f1e2d3c.tmp');
    await mkdir(join(dataDir, 'lake', 'silver'), { recursive: true });
    await writeFile(leftover, 'PAR1');
    await utimes(leftover, new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));

    const started = Date.now();
    const report = await runLocal({ dataDir, now: NOW, operations: 20, input: { mode: 'backfill', from: '2024-03-14' } });
    expect([report.outcome, report.error]).toEqual(['completed', undefined]);
    expect(Date.now() - started).toBeLessThan(60_000); // not the 15-minute lease
    expect(report.journey).toMatchObject({ status: 'COMPLETED', retry_count: 1 });
    const pid = run.child.pid!;
    expect(report.notices).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          new RegExp(`^The data folder was locked by process ${pid} on .* which is no longer running: its lock was taken over$`),
        ),
        expect.stringMatching(
          new RegExp(`^Journey ${report.runId} was left IN_PROGRESS, and its owner, process ${pid} on .*: it was taken over at once$`),
        ),
        expect.stringMatching(
          /^Removed \d+ temporary file\(s\) that interrupted writes left: .*lake\/silver\/left\.parquet\.0f1e2d3c\.tmp/,
        ),
      ]),
    );
    await expect(stat(leftover)).rejects.toThrow(/ENOENT/);
  });

  it('never leaves part of an object under its name when the writing process is killed mid-write', async () => {
    const lake = join(root, 'killed-write');
    const size = 128 * 1024 * 1024;
    const script = join(root, 'put-big.mts');
    await writeFile(
      script,
      [
        `import { FsObjectStore } from ${JSON.stringify(join(ROOT, 'lambdas/adapters/local/fs-object-store.ts'))};`,
        `const body = new Uint8Array(${size}).fill(7);`,
        `process.stdout.write('writing\\n');`,
        `await new FsObjectStore(${JSON.stringify(lake)}).put('_index/sor/index.bin', body, { ifNoneMatch: true });`,
        `process.stdout.write('written\\n');`,
      ].join('\n'),
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('writing') && resolve());
      void exited.then((signal) => reject(new Error(`the writer ended (${signal}) before writing`)));
    });
    // Stop it as soon as its file appears, so that the kill lands while the bytes are being written.
    const folder = join(lake, '_index', 'sor');
    let seen: string[] = [];
    while (seen.length === 0) seen = await readdir(folder).catch(() => []);
    child.kill('SIGSTOP');
    const atStop = await Promise.all(seen.map(async (name) => (await stat(join(folder, name)).catch(() => undefined))?.size ?? 0));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const store = new FsObjectStore(lake);
    const info = await store.head('_index/sor/index.bin');
    // Whole or absent; here, stopped mid-write, absent, with only a temporary file left.
    if (atStop.every((n) => n < size)) expect(info).toBeUndefined();
    if (info) expect(info.size).toBe(size);
    for await (const o of store.list('_index/')) expect(o.size).toBe(size);
    if (!info) await store.put('_index/sor/index.bin', 'whole', { ifNoneMatch: true });
    for (const name of await readdir(folder)) await utimes(join(folder, name), new Date(0), new Date(0));
    await store.removeLeftoverTempFiles();
    expect(await readdir(folder)).toEqual(['index.bin']);
  });
});
