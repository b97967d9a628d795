import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ingestSource } from '../../../lambdas/core/ingest/ingest-source.js';
import type { FsObjectStore } from '../../../lambdas/adapters/local/fs-object-store.js';
import { animal, committedBronze, crashOnFirstMove, filesConfig, listKeys, secrets, tempStore, window } from './support.js';

let store: FsObjectStore;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ store, cleanup } = await tempStore());
});
afterEach(() => cleanup());

const config = filesConfig();
const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function drop(files: Record<string, string>) {
  for (const [name, body] of Object.entries(files)) await store.put(`pending/animais/${name}`, body);
}

describe('file drop (pending -> done / error)', () => {
  const good = {
    'a.ndjson': [animal(1), animal(2), animal(3, 20)].map((r) => JSON.stringify(r)).join('\n') + '\n',
    'lote/b.json': JSON.stringify([animal(4), animal(5)]),
  };
  const bad = { 'c.json': '{"id_animal": "A9", ', 'd.csv': 'id_animal\nA10\n', 'e.ndjson': `${JSON.stringify(animal(6))}\n[1,2]\n` };

  it('ingests readable files, moves them to done/, and moves unreadable ones to error/ with a reason beside them', async () => {
    await drop({ ...good, ...bad });
    const result = await ingestSource({ config, bronze: store, secrets }, { runId: 'r1', source: 'animais', window });
    expect(result).toMatchObject({
      kind: 'files',
      records_seen: 5,
      records_new: 5,
      pages: 5,
      anomesdias: ['20240119', '20240120'],
      watermark_candidate: '2024-01-20T03:00:00.000Z',
    });
    expect(result.files).toEqual({
      done: ['done/animais/a.ndjson', 'done/animais/lote/b.json'],
      error: ['error/animais/c.json', 'error/animais/d.csv', 'error/animais/e.ndjson'],
    });
    expect(await listKeys(store, 'pending/')).toEqual([]);
    expect(text(await store.get('done/animais/a.ndjson'))).toBe(good['a.ndjson']);
    expect(text(await store.get('error/animais/c.json'))).toBe(bad['c.json']);
    expect(text(await store.get('error/animais/c.json.reason.txt'))).toMatch(/^not JSON: /);
    expect(text(await store.get('error/animais/d.csv.reason.txt'))).toMatch(/not a \.json or \.ndjson file/);
    expect(text(await store.get('error/animais/e.ndjson.reason.txt'))).toMatch(/^line 2 is not a JSON object/);
    // A half-readable file adds nothing: its first line is not in bronze.
    expect((await committedBronze(store, 'animais')).map((l) => l.line.record.id_animal).sort()).toEqual(['A1', 'A2', 'A3', 'A4', 'A5']);
  });

  it('never loses a file: a crash between the bronze write and the move is made good by the rerun, each row once', async () => {
    await drop(good);
    const crashing = crashOnFirstMove(store, 'done/');
    await expect(ingestSource({ config, bronze: crashing, secrets }, { runId: 'r1', source: 'animais', window })).rejects.toThrow(
      /simulated crash/,
    );
    expect(crashing.crashed()).toBe(true);
    // Rows are in bronze, files still pending.
    expect(await listKeys(store, 'pending/animais/')).toEqual(['pending/animais/a.ndjson', 'pending/animais/lote/b.json']);
    expect(await committedBronze(store, 'animais')).toHaveLength(5);
    const rerun = await ingestSource({ config, bronze: store, secrets }, { runId: 'r2', source: 'animais', window });
    expect(rerun).toMatchObject({ records_seen: 5, records_new: 0, records_duplicate: 5, anomesdias: ['20240119', '20240120'] });
    expect(rerun.files?.done).toEqual(['done/animais/a.ndjson', 'done/animais/lote/b.json']);
    const ids = (await committedBronze(store, 'animais')).map((l) => l.line.record.id_animal);
    expect(ids.sort()).toEqual(['A1', 'A2', 'A3', 'A4', 'A5']);
  });

  it('keeps both files when a file of the same name is dropped again, and never overwrites a reason', async () => {
    await drop({ 'a.ndjson': good['a.ndjson'], 'c.json': 'nope' });
    await ingestSource({ config, bronze: store, secrets }, { runId: 'r1', source: 'animais', window });
    const second = `${JSON.stringify(animal(7))}\n`;
    await drop({ 'a.ndjson': second, 'c.json': '[' });
    const result = await ingestSource({ config, bronze: store, secrets }, { runId: 'r2', source: 'animais', window });
    expect(result.files).toEqual({ done: ['done/animais/run=r2/a.ndjson'], error: ['error/animais/run=r2/c.json'] });
    expect(text(await store.get('done/animais/a.ndjson'))).toBe(good['a.ndjson']);
    expect(text(await store.get('done/animais/run=r2/a.ndjson'))).toBe(second);
    expect(text(await store.get('error/animais/c.json.reason.txt'))).toMatch(/run r1/);
    expect(text(await store.get('error/animais/run=r2/c.json.reason.txt'))).toMatch(/run r2/);
    expect(result.records_new).toBe(1);
  });

  it('finishes with an empty run when nothing is pending', async () => {
    const result = await ingestSource({ config, bronze: store, secrets }, { runId: 'r1', source: 'animais', window });
    expect(result).toMatchObject({
      records_seen: 0,
      pages: 0,
      anomesdias: [],
      watermark_candidate: window.to,
      files: { done: [], error: [] },
    });
  });
});
