import { afterEach, describe, expect, it } from 'vitest';
import { BronzeWriter } from '../../../lambdas/core/ingest/bronze-writer.js';
import { canonicalRecordJson } from '../../../lambdas/core/ingest/records.js';
import { committedBronze } from './support.js';
import { tempStore } from '../../support/temp-store.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('bronze writer', () => {
  it('writes multi-byte text and lines longer than a buffer chunk intact, one line per record, parts split by count', async () => {
    const { store, cleanup } = await tempStore();
    cleanups.push(cleanup);
    const writer = new BronzeWriter({ store, source: 'sor', runId: 'r1', ingestedAt: '2024-01-20T00:00:00.000Z', recordsPerFile: 1_000 });
    const records = [
      { id: 1, nome: 'ação — 東京 😀' },
      { id: 2, nome: 'x'.repeat(300_000) },
      { id: 3, nome: 'ç'.repeat(200_000) },
      ...Array.from({ length: 2_500 }, (_, i) => ({ id: 10 + i, nome: `línea ${i}` })),
    ];
    await writer.addAll(records.map((record) => ({ record, anomesdia: '20240119' })));
    const commit = await writer.commit();
    expect(commit.records_new).toBe(records.length);
    expect(commit.partitions[0]!.parts).toHaveLength(Math.ceil(records.length / 1_000));
    const lines = await committedBronze(store, 'sor');
    expect(lines.map((l) => canonicalRecordJson(l.line.record)).sort()).toEqual(records.map((r) => canonicalRecordJson(r)).sort());
    expect(lines.every((l) => l.line._ingested_at === '2024-01-20T00:00:00.000Z')).toBe(true);
  });
});
