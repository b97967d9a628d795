// The local file-drop path: files under the data folder's pending/ -> the same core decision -> a local run of each.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pendingObjects, triggerLocalFileDrops } from '../../local/file-drop-trigger.js';
import { runLocal } from '../../local/local-run.js';
import type { ExecutionInput } from '../../lambdas/core/plan.js';

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'file-drop-trigger-'));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

const pending = (source: string) => join(dataDir, 'lake', 'bronze', 'pending', source);
/** All drops of this test carry the same creation minute, as one burst of uploads would. */
const DROPPED_AT = new Date('2024-01-19T10:00:30Z');

async function drop(source: string, name: string, records: object[]): Promise<void> {
  await mkdir(pending(source), { recursive: true });
  const path = join(pending(source), name);
  await writeFile(path, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  await utimes(path, DROPPED_AT, DROPPED_AT);
}

const now = new Date();
const animal = (id: string) => ({
  id_animal: id,
  especie: 'bovino',
  peso_kg: 412.5,
  dat_registro: new Date(now.getTime() - 3_600_000).toISOString(),
});
// The real local runner, with a small demo so that the run is quick.
const run = (input: ExecutionInput) => runLocal({ dataDir, input, now, operations: 20, faults: false });

describe('local file-drop trigger', () => {
  it('lists pending files as the created-object events S3 would send', async () => {
    await drop('animais', 'drop-1.ndjson', [animal('X1'), animal('X2')]);
    await drop('sor', 'stray.ndjson', [{}]);
    expect(await pendingObjects(dataDir)).toEqual([
      { key: 'pending/animais/drop-1.ndjson', time: DROPPED_AT.toISOString() },
      { key: 'pending/sor/stray.ndjson', time: DROPPED_AT.toISOString() },
    ]);
  });

  it('runs one file-drop execution per source on the local state machine, which ingests the dropped file', async () => {
    const result = await triggerLocalFileDrops({ dataDir, run });
    expect(result.started).toEqual([{ name: 'filedrop-animais-20240119T1000', source: 'animais', files: 1 }]);
    expect(result.outcomes['filedrop-animais-20240119T1000']).toMatchObject({ outcome: 'completed' });
    expect(result.ignored).toEqual([{ key: 'pending/sor/stray.ndjson', reason: '"sor" is an http source, not a file drop' }]);
    expect(existsSync(join(dataDir, 'lake', 'bronze', 'done', 'animais', 'drop-1.ndjson'))).toBe(true);
    expect(await readdir(pending('animais'))).toEqual([]);
  }, 240_000);

  it('does not run a name again: a second drop of the same minute collides, as in Step Functions', async () => {
    await drop('animais', 'drop-2.ndjson', [animal('X3')]);
    const result = await triggerLocalFileDrops({ dataDir, run });
    expect(result).toMatchObject({ started: [], existing: ['filedrop-animais-20240119T1000'], outcomes: {} });
    // It waits for the next minute's drop or the hourly run.
    expect(await readdir(pending('animais'))).toEqual(['drop-2.ndjson']);
  });
});
