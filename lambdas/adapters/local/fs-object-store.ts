// A folder of the local lake as an ObjectStore: keys are relative paths under the root folder.
import { mkdir, readFile, rename, rm, stat, readdir, writeFile, copyFile, open } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomUUID } from 'node:crypto';
import type { ObjectInfo, ObjectStore, PutOptions } from '../../ports/object-store.js';
import { InvalidObjectKeyError, ObjectExistsError, ObjectNotFoundError } from '../../ports/errors.js';

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
    if (options?.ifNoneMatch) {
      // 'wx' fails if the file exists: the local equivalent of S3's If-None-Match: *.
      const handle = await open(target, 'wx').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'EEXIST') throw new ObjectExistsError(this.uri(key));
        throw err;
      });
      try {
        await handle.writeFile(body);
      } finally {
        await handle.close();
      }
      return;
    }
    // Write then rename, so that a reader never sees a half-written object.
    const temp = `${target}.${randomUUID()}.tmp`;
    await writeFile(temp, body);
    await rename(temp, target);
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
      } else if (entry.isFile() && key.startsWith(prefix) && !entry.name.endsWith('.tmp')) {
        const s = await stat(full);
        out.push({ key, size: s.size, lastModified: s.mtime });
      }
    }
  }

  async move(fromKey: string, toKey: string): Promise<void> {
    const from = this.path(fromKey);
    const to = this.path(toKey);
    await mkdir(dirname(to), { recursive: true });
    try {
      await copyFile(from, to);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ObjectNotFoundError(this.uri(fromKey));
      throw err;
    }
    await rm(from, { force: true });
  }

  async delete(keys: readonly string[]): Promise<void> {
    await Promise.all(keys.map((key) => rm(this.path(key), { force: true })));
  }
}
