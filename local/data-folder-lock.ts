// The data folder's lock: one process at a time runs the pipeline on a data folder (dynalite's files, the
// lake, the catalog). A file created atomically holds who has it; the lock of a process that died is taken over.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../lambdas/adapters/local/atomic-file.js';
import { DataFolderBusyError, DataFolderLockError } from './errors.js';
import { asLocalProcess, describeLocalProcess, localProcessGone, thisProcess, type LocalProcess } from './local-process.js';

/** The lock file's name in the data folder. */
export const LOCK_FILE = 'run.lock';
/** A takeover takes milliseconds: a takeover file older than this was left by a process killed during one. */
const TAKEOVER_STALE_MS = 10_000;
const MAX_TRIES = 50;

const LockFileSchema = z.object({ process: z.unknown(), locked_at: z.string(), token: z.string() });

export interface DataFolderLock {
  file: string;
  holder: LocalProcess;
  /** Set when the lock was taken over from a process that died holding it: what happened, for the person running. */
  tookOver?: string;
  /** Removes the lock file, if it is still this lock's. */
  release(): Promise<void>;
}

/**
 * Takes the data folder's lock, or throws DataFolderBusyError naming the live process that holds it. The
 * lock file is linked into place whole (so no reader sees it empty); a lock whose holder no longer runs,
 * or that cannot be read, is removed under a second file that only one taker at a time can create, after
 * checking it is still the lock that was judged stale, so that two takers never both remove a fresh lock.
 */
export async function lockDataFolder(dataDir: string): Promise<DataFolderLock> {
  await mkdir(dataDir, { recursive: true });
  const file = join(dataDir, LOCK_FILE);
  const holder = thisProcess();
  const token = randomUUID();
  const body = `${JSON.stringify({ process: holder, locked_at: new Date().toISOString(), token }, null, 2)}\n`;
  let tookOver: string | undefined;
  for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
    if (await writeFileAtomic(file, body, { exclusive: true })) {
      return { file, holder, tookOver, release: () => releaseLock(file, token) };
    }
    const text = await readIfPresent(file);
    if (text === undefined) continue; // released meanwhile: try again
    const held = parseLock(text);
    const gone = held ? localProcessGone(held.process) : `its lock file ${file} cannot be read`;
    if (held && gone === undefined) throw new DataFolderBusyError(dataDir, held.process);
    if (await removeStaleLock(file, text)) {
      tookOver = held
        ? `The data folder was locked by ${describeLocalProcess(held.process)} since ${held.locked_at}, which is no longer running: its lock was taken over`
        : `The data folder's lock file could not be read: it was taken over`;
    }
  }
  throw new DataFolderLockError(file, `${MAX_TRIES} attempts were lost to other processes taking it; try again`);
}

function parseLock(text: string): { process: LocalProcess; locked_at: string; token: string } | undefined {
  try {
    const parsed = LockFileSchema.safeParse(JSON.parse(text));
    const process = parsed.success ? asLocalProcess(parsed.data.process) : undefined;
    return parsed.success && process ? { ...parsed.data, process } : undefined;
  } catch {
    return undefined;
  }
}

/** Deletes the lock if it still holds `staleText`; true when this call deleted it. */
async function removeStaleLock(file: string, staleText: string): Promise<boolean> {
  const takeover = `${file}.takeover`;
  if (!(await writeFileAtomic(takeover, `${JSON.stringify(thisProcess())}\n`, { exclusive: true }))) {
    const info = await stat(takeover).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > TAKEOVER_STALE_MS) await rm(takeover, { force: true });
    else await new Promise((resolve) => setTimeout(resolve, 20));
    return false;
  }
  try {
    if ((await readIfPresent(file)) !== staleText) return false;
    await rm(file, { force: true });
    return true;
  } finally {
    await rm(takeover, { force: true });
  }
}

async function releaseLock(file: string, token: string): Promise<void> {
  const text = await readIfPresent(file);
  if (text !== undefined && parseLock(text)?.token === token) await rm(file, { force: true });
}

async function readIfPresent(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
