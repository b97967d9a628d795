// A temporary folder-backed object store for tests: one per call, or a fresh one before each test of a block.
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsObjectStore } from '../../lambdas/adapters/local/fs-object-store.js';

export async function tempStore(prefix = 'store'): Promise<{ store: FsObjectStore; root: string; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), `${prefix}-`));
  return { store: new FsObjectStore(root), root, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** A temporary store made by `before` and removed by `after` (vitest's each-test or whole-block hooks). */
function tempStoreBetween(
  before: typeof beforeAll,
  after: typeof afterAll,
  use: (temp: { store: FsObjectStore; root: string }) => void,
  prefix: string,
): void {
  let cleanup: (() => Promise<void>) | undefined;
  before(async () => {
    const temp = await tempStore(prefix);
    cleanup = temp.cleanup;
    use(temp);
  });
  after(async () => cleanup?.());
}

/**
 * A fresh temporary store before each test of the enclosing suite, handed to `use`, removed after the test;
 * the servers pushed into the returned list are stopped after the test too.
 */
export function tempStoreEachTest(
  use: (temp: { store: FsObjectStore; root: string }) => void,
  prefix = 'store',
): { stop(): Promise<void> }[] {
  const servers: { stop(): Promise<void> }[] = [];
  tempStoreBetween(beforeEach, afterEach, use, prefix);
  // Registered after the store's hook, so that it runs first (vitest runs after-hooks in reverse): servers stop before the store goes.
  afterEach(async () => void (await Promise.all(servers.splice(0).map((s) => s.stop()))));
  return servers;
}

/** One temporary store for the enclosing describe block: made before its tests, handed to `use`, removed after them. */
export function tempStoreForBlock(use: (temp: { store: FsObjectStore; root: string }) => void, prefix = 'store'): void {
  tempStoreBetween(beforeAll, afterAll, use, prefix);
}
