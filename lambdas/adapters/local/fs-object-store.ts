// A folder of the local lake as an ObjectStore: keys are relative paths under the root folder.
import { mkdir, readFile, rename, rm, stat, readdir } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ObjectInfo, ObjectStore, PutOptions } from '../../ports/object-store.js';
import { InvalidObjectKeyError, ObjectExistsError, ObjectNotFoundError } from '../../ports/errors.js';
import { removeLeftoverTempFiles, TEMP_SUFFIX, writeFileAtomic } from './atomic-file.js';

export class FsObjectStore implements ObjectStore {
  constructor(readonly root: string) {}

  uri(key: string): string {
    return pathToFileURL(this.path(key)).href;
  }

  private path(key: string): string {
    if (key.split('/').some((part) => part === '..')) throw new InvalidObjectKeyError(key, 'may not contain ".." segments');
    return join(this.root, ...key.split('/'));
  }

  async put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<void> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    // A reader never sees a half-written object, and a crash mid-write leaves only a temporary file; with
    // ifNoneMatch the object is linked into place, which fails if it exists: S3's If-None-Match: *.
    if (!(await writeFileAtomic(target, body, { exclusive: options?.ifNoneMatch }))) throw new ObjectExistsError(this.uri(key));
  }

  /**
   * Deletes the temporary files that writes killed mid-way left (older than `olderThanMs`, so that a write
   * under way is spared); they are never listed, but they take space. Returns their keys.
   */
  async removeLeftoverTempFiles(olderThanMs = 60_000): Promise<string[]> {
    const removed = await removeLeftoverTempFiles(this.root, olderThanMs);
    return removed.map((path) => relative(this.root, path).split(sep).join('/'));
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      return new Uint8Array(await readFile(this.path(key)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ObjectNotFoundError(this.uri(key));
      throw err;
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const s = await stat(this.path(key));
      return s.isFile() ? { key, size: s.size, lastModified: s.mtime } : undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    // Walk from the deepest folder that the prefix names fully, then filter by the full prefix.
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const start = folder ? this.path(folder) : this.root;
    const keys: ObjectInfo[] = [];
    await this.walk(start, prefix, keys);
    keys.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    yield* keys;
  }

  private async walk(dir: string, prefix: string, out: ObjectInfo[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const entry of entries) {
      const full = join(dir, entry.name);
      const key = relative(this.root, full).split(sep).join('/');
      if (entry.isDirectory()) {
        if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) await this.walk(full, prefix, out);
      } else if (entry.isFile() && key.startsWith(prefix) && !entry.name.endsWith(TEMP_SUFFIX)) {
        // Deleted by another writer between the directory read and now: a listing of S3 would not show it either.
        const s = await stat(full).catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return undefined;
          throw err;
        });
        if (s) out.push({ key, size: s.size, lastModified: s.mtime });
      }
    }
  }

  async move(fromKey: string, toKey: string): Promise<void> {
    const from = this.path(fromKey);
    const to = this.path(toKey);
    await mkdir(dirname(to), { recursive: true });
    // One rename: the object is at one of its two names, whole, whenever the process dies.
    try {
      await rename(from, to);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ObjectNotFoundError(this.uri(fromKey));
      throw err;
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    await Promise.all(keys.map((key) => rm(this.path(key), { force: true })));
  }
}
