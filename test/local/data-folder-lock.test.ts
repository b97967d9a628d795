import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOCK_FILE, lockDataFolder } from '../../local/data-folder-lock.js';
import { DataFolderBusyError } from '../../local/errors.js';
import { localProcessGone, thisProcess, type LocalProcess } from '../../local/local-process.js';

/** A process that ran and ended: its pid no longer runs (spawnSync has reaped it). */
function deadProcess(): LocalProcess {
  const { pid } = spawnSync(process.execPath, ['-e', '']);
  return { pid: pid!, host: hostname(), started_at: '2024-03-14T10:00:00.000Z', command: 'local/run.ts --data-dir .local' };
}

const lockText = (p: LocalProcess) => JSON.stringify({ process: p, locked_at: '2024-03-14T10:00:01.000Z', token: 'theirs' });

describe('the data folder lock', () => {
  let dir: string;
  beforeEach(async () => void (dir = await mkdtemp(join(tmpdir(), 'folder-lock-'))));
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('lets one holder in and tells the next which live process holds the folder, until it is released', async () => {
    const lock = await lockDataFolder(dir);
    expect(lock.tookOver).toBeUndefined();
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ process: { pid: process.pid, host: hostname() } });
    const err = await lockDataFolder(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataFolderBusyError);
    const me = thisProcess();
    expect((err as Error).message).toBe(
      `Data folder ${dir} is in use by process ${me.pid} on ${me.host}, started ${me.started_at} (${me.command}); ` +
        'wait for that run to end, or give this one another --data-dir',
    );
    await lock.release();
    const again = await lockDataFolder(dir);
    await again.release();
  });

  it('takes over at once the lock of a process that died holding it, and says whose it was', async () => {
    const dead = deadProcess();
    expect(localProcessGone(dead)).toMatch(new RegExp(`^process ${dead.pid} on .* is no longer running$`));
    await writeFile(join(dir, LOCK_FILE), lockText(dead));
    const lock = await lockDataFolder(dir);
    expect(lock.tookOver).toBe(
      `The data folder was locked by process ${dead.pid} on ${dead.host}, started 2024-03-14T10:00:00.000Z (local/run.ts --data-dir .local) ` +
        'since 2024-03-14T10:00:01.000Z, which is no longer running: its lock was taken over',
    );
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ process: { pid: process.pid } });
    await lock.release();
  });

  it('gives a dead holder’s lock to exactly one of ten concurrent takers; the others see the winner', async () => {
    await writeFile(join(dir, LOCK_FILE), lockText(deadProcess()));
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => lockDataFolder(dir)));
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    expect(won).toHaveLength(1);
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => o.reason as Error);
    expect(lost).toHaveLength(9);
    for (const err of lost) expect(err).toBeInstanceOf(DataFolderBusyError);
    expect((lost[0] as DataFolderBusyError).holder.pid).toBe(process.pid);
    await won[0]!.value.release();
  });

  it('takes over an unreadable lock and a takeover left by a crash, and waits for a live process of another host', async () => {
    await writeFile(join(dir, LOCK_FILE), '');
    const takeover = join(dir, `${LOCK_FILE}.takeover`);
    await writeFile(takeover, 'left by a process killed mid-takeover');
    const old = new Date(Date.now() - 60_000);
    await utimes(takeover, old, old);
    const lock = await lockDataFolder(dir);
    expect(lock.tookOver).toBe("The data folder's lock file could not be read: it was taken over");
    await lock.release();

    // Another host's process cannot be checked from here: it counts as running.
    await writeFile(join(dir, LOCK_FILE), lockText({ ...deadProcess(), host: `not-${hostname()}` }));
    await expect(lockDataFolder(dir)).rejects.toThrow(/is in use by process \d+ on not-/);
  });

  it('releases only its own lock', async () => {
    const lock = await lockDataFolder(dir);
    await writeFile(join(dir, LOCK_FILE), lockText({ ...thisProcess(), host: 'elsewhere' }));
    await lock.release();
    expect(await readFile(join(dir, LOCK_FILE), 'utf8')).toContain('elsewhere');
  });
});
