import { describe, expect, it } from 'vitest';
import type { FsObjectStore } from '../../../lambdas/adapters/local/fs-object-store.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ingestSource, readRunManifests } from '../../../lambdas/core/ingest/ingest-source.js';
import { boundedName } from '../../../lambdas/core/ingest/file-drop.js';
import { animal, committedBronze, crashOnFirstMove, filesConfig, listKeys, recordingLog, secrets, window } from './support.js';
import { tempStoreEachTest } from '../../support/temp-store.js';

let store: FsObjectStore;
let root: string;
tempStoreEachTest((temp) => ({ store, root } = temp));

const config = filesConfig();
const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function drop(files: Record<string, string>) {
  for (const [name, body] of Object.entries(files)) await store.put(`pending/animais/${name}`, body);
}

describe('file drop (pending -> done / error)', () => {
  const good = {
    'a.ndjson': [animal(1), animal(2), animal(3, 20)].map((r) => JSON.stringify(r)).join('\n') + '\n',
    // The declared format (ndjson) decides how a file is read, not its extension.
    'lote/b.json': `${JSON.stringify(animal(4))}\n${JSON.stringify(animal(5))}\n`,
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
    expect(text(await store.get('error/animais/c.json.reason.txt'))).toMatch(/^line 1 is not JSON: /);
    expect(text(await store.get('error/animais/d.csv.reason.txt'))).toMatch(/^not a \.json, \.ndjson, \.jsonl file/);
    expect(text(await store.get('error/animais/e.ndjson.reason.txt'))).toMatch(/^line 2 is not a JSON object but a JSON array/);
    expect(text(await store.get('error/animais/e.ndjson.reason.txt'))).toMatch(
      /\(file pending\/animais\/e\.ndjson, source animais, run r1, /,
    );
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

  it('reads files in the declared format whatever their extension, and moves content of the other format to error/ saying which', async () => {
    const array = JSON.stringify([animal(1), animal(2)]);
    const lines = `${JSON.stringify(animal(3))}\n${JSON.stringify(animal(4))}\n`;
    const pretty = JSON.stringify(animal(5), null, 2);
    await drop({ 'array.json': array, 'lines.json': lines, 'pretty.ndjson': pretty, 'one-line-array.ndjson': `${array}\n` });
    const ndjson = await ingestSource({ config, bronze: store, secrets }, { runId: 'r1', source: 'animais', window });
    expect(ndjson.files).toEqual({
      done: ['done/animais/lines.json'],
      error: ['error/animais/array.json', 'error/animais/one-line-array.ndjson', 'error/animais/pretty.ndjson'],
    });
    const declared = 'files.format is "ndjson" (one JSON object per line)';
    expect(text(await store.get('error/animais/array.json.reason.txt'))).toMatch(
      `${declared}, but the file holds a JSON array (the "json" format)`,
    );
    expect(text(await store.get('error/animais/one-line-array.ndjson.reason.txt'))).toMatch(
      `${declared}, but the file holds a JSON array (the "json" format)`,
    );
    expect(text(await store.get('error/animais/pretty.ndjson.reason.txt'))).toMatch(
      `${declared}, but the file holds a JSON object over several lines (the "json" format)`,
    );

    const json = filesConfig();
    json.sources[0]!.files = { format: 'json' };
    await drop({ 'array.ndjson': array, 'lines.json': lines, 'pretty.jsonl': pretty });
    const result = await ingestSource({ config: json, bronze: store, secrets }, { runId: 'r2', source: 'animais', window });
    expect(result.files).toEqual({
      done: ['done/animais/array.ndjson', 'done/animais/pretty.jsonl'],
      error: ['error/animais/lines.json'],
    });
    expect(text(await store.get('error/animais/lines.json.reason.txt'))).toMatch(
      /^files\.format is "json" \(one JSON array of objects \(or one object\) per file\), but the file holds NDJSON \(one JSON object per line\)/,
    );
    expect((await committedBronze(store, 'animais')).map((l) => l.line.record.id_animal).sort()).toEqual(['A1', 'A2', 'A3', 'A4', 'A5']);
  });

  it('moves an unreadable file with a 246-character name to error/ under a bounded name, its reason recording the original', async () => {
    const long = `${'relatorio-de-animais-'.repeat(12).slice(0, 239)}.ndjson`;
    expect(long).toHaveLength(246);
    // Written straight to the folder: the store's own put would need a longer temporary name.
    await mkdir(join(root, 'pending', 'animais'), { recursive: true });
    await writeFile(join(root, 'pending', 'animais', long), 'not json at all\n');
    await drop({ 'a.ndjson': good['a.ndjson'] });
    const result = await ingestSource({ config, bronze: store, secrets }, { runId: 'r1', source: 'animais', window });
    const bounded = boundedName(long);
    expect(Buffer.byteLength(bounded)).toBeLessThanOrEqual(160);
    expect(bounded).toMatch(/^relatorio-de-animais-.*~[0-9a-f]{12}\.ndjson$/);
    expect(result.files).toEqual({ done: ['done/animais/a.ndjson'], error: [`error/animais/${bounded}`] });
    expect(text(await store.get(`error/animais/${bounded}`))).toBe('not json at all\n');
    const reason = text(await store.get(`error/animais/${bounded}.reason.txt`));
    expect(reason).toMatch(/^line 1 is not JSON: /);
    expect(reason).toContain(`(file pending/animais/${long}, source animais`);
    const [manifest] = await readRunManifests(store, 'animais', 'r1');
    expect(manifest!.errors).toEqual([
      { name: long, reason: expect.stringMatching(/^line 1 is not JSON/), moved_to: `error/animais/${bounded}` },
    ]);
    expect(await listKeys(store, 'pending/')).toEqual([]);
    // Two long names alike up to the cut stay apart.
    expect(boundedName(`${long.slice(0, 200)}-b.ndjson`)).not.toBe(boundedName(`${long.slice(0, 200)}-c.ndjson`));
    expect(boundedName('lote/short.json')).toBe('lote/short.json');
  });

  it('never moves the watermark past the window end or the clock, and reports records dated in the future', async () => {
    const future = { ...animal(8), dat_registro: '2099-01-01T00:00:00Z' };
    await drop({ 'a.ndjson': good['a.ndjson'], 'z.ndjson': `${JSON.stringify(animal(7, 20))}\n${JSON.stringify(future)}\n` });
    const log = recordingLog();
    const clock = () => new Date('2024-01-22T00:00:00Z');
    const result = await ingestSource({ config, bronze: store, secrets, log, clock }, { runId: 'r1', source: 'animais', window });
    // The window ends before the clock: its end bounds the watermark.
    expect(result.watermark_candidate).toBe(window.to);
    expect(result.records_new).toBe(5);
    expect(result.message).toMatch(/; 1 record\(s\) dated after the run started \(2024-01-22T00:00:00\.000Z\), listed in the manifest/);
    const [manifest] = await readRunManifests(store, 'animais', 'r1');
    expect(manifest!.future_records).toEqual({
      after: '2024-01-22T00:00:00.000Z',
      count: 1,
      listed: [{ at: 'z.ndjson record 2', value: '2099-01-01T00:00:00Z' }],
    });
    expect(manifest!.watermark_candidate).toBe(window.to);
    expect(log.warnings).toEqual([
      expect.objectContaining({ message: 'ingest animais: records dated in the future did not move the watermark', count: 1 }),
    ]);
    // A window that ends after the clock (a backfill up to today) is bounded by the clock.
    await drop({ 'y.ndjson': `${JSON.stringify(future)}\n` });
    const late = { ...window, to: '2024-03-01T00:00:00.000Z' };
    const bounded = await ingestSource({ config, bronze: store, secrets, clock }, { runId: 'r2', source: 'animais', window: late });
    expect(bounded.watermark_candidate).toBe('2024-01-22T00:00:00.000Z');
  });
});
