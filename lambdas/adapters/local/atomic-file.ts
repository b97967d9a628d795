// Files written whole or not at all, for the local lake, the local catalog and the data folder's lock: a
// temporary file beside the target, then a rename (replace) or a hard link (create only) into place.
import { randomUUID } from 'node:crypto';
import { link, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Temporary files end so; readers of a folder skip them, and a crash may leave some behind. */
export const TEMP_SUFFIX = '.tmp';

/**
 * Writes `body` to `target` so that nobody ever sees a part of it under the target's name, even if the
 * process dies mid-write: the bytes go to a temporary file first. `exclusive` creates the target only when
 * no file has its name (a hard link fails with EEXIST and, unlike a rename, never replaces) and then
 * returns false when one had; otherwise the target is replaced. Protects against a crash of the process,
 * not against a power cut (no fsync: the local lake is a stand-in, not a durable store).
 */
export async function writeFileAtomic(target: string, body: Uint8Array | string, options: { exclusive?: boolean } = {}): Promise<boolean> {
  const temp = `${target}.${randomUUID()}${TEMP_SUFFIX}`;
  await writeFile(temp, body);
  if (!options.exclusive) {
    await rename(temp, target);
    return true;
  }
  try {
    await link(temp, target);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/**
 * Deletes the temporary files under `folder` (recursively unless `recursive` is false) last modified more
 * than `olderThanMs` ago: what a process killed mid-write left. The age spares a write still under way.
 * Returns the paths deleted.
 */
export async function removeLeftoverTempFiles(
  folder: string,
  olderThanMs: number,
  options: { recursive?: boolean } = {},
): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(folder, { recursive: options.recursive ?? true, withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const before = Date.now() - olderThanMs;
  const removed: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.endsWith(TEMP_SUFFIX)) continue;
    const path = join(entry.parentPath, entry.name);
    const info = await stat(path).catch(() => undefined);
    if (!info || info.mtimeMs >= before) continue;
    await rm(path, { force: true });
    removed.push(path);
  }
  return removed.sort();
}
