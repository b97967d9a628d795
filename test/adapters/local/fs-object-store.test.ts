import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../../lambdas/adapters/local/fs-object-store.js';
import { tempStoreEachTest } from '../../support/temp-store.js';

describe('FsObjectStore leftovers of a write killed mid-way', () => {
  let root: string;
  let store: FsObjectStore;
  tempStoreEachTest((temp) => ({ store, root } = temp), 'fs-store-leftovers');

  /** What a process killed while putting `key` leaves: part of the bytes, in a temporary file beside it. */
  async function killedWrite(key: string, ageMs: number): Promise<string> {
    const folder = join(root, ...key.split('/').slice(0, -1));
    await mkdir(folder, { recursive: true });
    const temp = join(root, ...key.split('/')) + '.2b5c3e9a-0d1f-4c4e-9a57-6f3f0e0c1d2e.tmp';
    await writeFile(temp, 'HIDX\u0001 cut off');
    const when = new Date(Date.now() - ageMs);
    await utimes(temp, when, when);
    return temp;
  }

  it('never shows the leftover, lets the object be put with ifNoneMatch, and removes it once a minute old', async () => {
    await killedWrite('bronze/_index/sor/anomesdia=20240314/run-1.bin', 120_000);
    await killedWrite('bronze/_index/sor/anomesdia=20240314/run-2.bin', 1_000);
    expect(await store.head('bronze/_index/sor/anomesdia=20240314/run-1.bin')).toBeUndefined();
    const listed: string[] = [];
    for await (const o of store.list('bronze/')) listed.push(o.key);
    expect(listed).toEqual([]);

    await store.put('bronze/_index/sor/anomesdia=20240314/run-1.bin', 'whole', { ifNoneMatch: true });
    expect(new TextDecoder().decode(await store.get('bronze/_index/sor/anomesdia=20240314/run-1.bin'))).toBe('whole');

    expect(await store.removeLeftoverTempFiles(60_000)).toEqual([
      'bronze/_index/sor/anomesdia=20240314/run-1.bin.2b5c3e9a-0d1f-4c4e-9a57-6f3f0e0c1d2e.tmp',
    ]);
    // The young one may be a write under way: it stays.
    expect((await readdir(join(root, 'bronze/_index/sor/anomesdia=20240314'))).sort()).toEqual([
      'run-1.bin',
      'run-2.bin.2b5c3e9a-0d1f-4c4e-9a57-6f3f0e0c1d2e.tmp',
    ]);
    expect(await new FsObjectStore(join(root, 'never-written')).removeLeftoverTempFiles()).toEqual([]);
  });
});
