import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoCongregadoStore } from '../../../lambdas/adapters/aws/dynamodb-congregado-store.js';
import { DynamoPartitionVersionStore } from '../../../lambdas/adapters/aws/dynamodb-partition-versions.js';
import { DynamoWatermarkStore } from '../../../lambdas/adapters/aws/dynamodb-watermark-store.js';
import { InvalidWatermarkError } from '../../../lambdas/adapters/aws/errors.js';
import { FsObjectStore } from '../../../lambdas/adapters/local/fs-object-store.js';
import { contentHash } from '../../../lambdas/core/hashing.js';
import type { PartitionVersionRecord } from '../../../lambdas/ports/partition-versions.js';
import type { CongregadoInput } from '../../../lambdas/ports/state-stores.js';
import type { TestDynamo } from '../../support/dynalite.js';
import { checkJava, STATE_EMULATORS, useEmulator } from '../../support/dynamodb-local.js';
import { tempStoreForBlock } from '../../support/temp-store.js';

/** DynamoDB's item size rule applied to the item as stored (AttributeValues), independent of the store's own estimate. */
function storedSize(item: Record<string, AttributeValue>): number {
  const value = (v: AttributeValue): number => {
    if (v.S !== undefined) return Buffer.byteLength(v.S);
    if (v.N !== undefined) return Math.ceil(v.N.replace(/[-.]/g, '').replace(/^0+/, '').length / 2) + 1;
    if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
    if (v.L) return 3 + v.L.reduce((n, e) => n + value(e) + 1, 0);
    if (v.M) return 3 + Object.entries(v.M).reduce((n, [k, e]) => n + Buffer.byteLength(k) + value(e) + 1, 0);
    throw new Error(`Unexpected attribute type ${Object.keys(v).join()}`);
  };
  return Object.entries(item).reduce((n, [k, v]) => n + Buffer.byteLength(k) + value(v), 0);
}

describe.each(STATE_EMULATORS)('on $name', (emulator) => {
  let dynamo: TestDynamo;
  let samples: FsObjectStore;
  useEmulator(emulator, (started) => void (dynamo = started));
  tempStoreForBlock((temp) => (samples = temp.store), 'congregado');

  describe('DynamoWatermarkStore', () => {
    it('advances forward, never backward, and advancing twice to the same value is idempotent', async () => {
      const watermarks = new DynamoWatermarkStore(dynamo.doc, dynamo.tables.watermark);
      expect(await watermarks.get('sor')).toBeUndefined();
      const first = await watermarks.advance('sor', '2024-03-15T00:00:00Z', 'run-1');
      expect(first).toMatchObject({ advanced: true, current: { source: 'sor', watermark: '2024-03-15T00:00:00.000Z', run_id: 'run-1' } });
      const again = await watermarks.advance('sor', '2024-03-15T00:00:00.000Z', 'run-2');
      expect(again).toMatchObject({ advanced: false, current: { watermark: '2024-03-15T00:00:00.000Z', run_id: 'run-1' } });
      const back = await watermarks.advance('sor', '2024-03-14T00:00:00Z', 'run-3');
      expect(back).toMatchObject({ advanced: false, current: { watermark: '2024-03-15T00:00:00.000Z' } });
      const forward = await watermarks.advance('sor', '2024-03-16T00:00:00Z', 'run-4');
      expect(forward).toMatchObject({ advanced: true, current: { watermark: '2024-03-16T00:00:00.000Z', run_id: 'run-4' } });
      expect((await watermarks.get('sor'))?.watermark).toBe('2024-03-16T00:00:00.000Z');
    });

    it('ends at the greatest of concurrent advances', async () => {
      const watermarks = new DynamoWatermarkStore(dynamo.doc, dynamo.tables.watermark);
      const days = ['2024-03-03', '2024-03-09', '2024-03-01', '2024-03-07', '2024-03-05'].map((d) => `${d}T00:00:00.000Z`);
      await Promise.all(days.map((d) => watermarks.advance('sot', d)));
      expect((await watermarks.get('sot'))?.watermark).toBe('2024-03-09T00:00:00.000Z');
    });

    it('rejects a value that is not an instant, naming the source', async () => {
      const watermarks = new DynamoWatermarkStore(dynamo.doc, dynamo.tables.watermark);
      await expect(watermarks.advance('sor', 'yesterday')).rejects.toThrow(InvalidWatermarkError);
      await expect(watermarks.advance('sor', 'yesterday')).rejects.toThrow(/"yesterday" of source "sor"/);
    });
  });

  describe('DynamoPartitionVersionStore', () => {
    const version = (n: number, run: string): PartitionVersionRecord => ({
      partition: 'silver/db_silver.sor/anomesdia=20240314',
      version: n,
      prefix: `silver/sor/anomesdia=20240314/v=${n}/`,
      location: `s3://lake/silver/sor/anomesdia=20240314/v=${n}/`,
      run_id: run,
      published_at: '2024-03-15T02:00:00.000Z',
      inputs: { 'bronze/sor': n },
      files: [{ key: `silver/sor/anomesdia=20240314/v=${n}/part-0.parquet`, rows: 3, bytes: 900, sha256: 'a'.repeat(64) }],
      rows: 3,
      checksum: 'b'.repeat(64),
      superseded:
        n > 1 ? [{ version: n - 1, prefix: `silver/sor/anomesdia=20240314/v=${n - 1}/`, superseded_at: '2024-03-15T02:00:00.000Z' }] : [],
    });

    it('publishes the first version once, then lets exactly one of concurrent writers replace the version they read', async () => {
      const versions = new DynamoPartitionVersionStore(dynamo.doc, dynamo.tables.partitions);
      expect(await versions.get(version(1, 'r').partition)).toBeUndefined();
      const firsts = await Promise.all(['r1', 'r2', 'r3'].map((run) => versions.put(version(1, run), undefined)));
      expect(firsts.filter(Boolean)).toHaveLength(1);
      const winner = ['r1', 'r2', 'r3'][firsts.indexOf(true)]!;
      expect(await versions.get(version(1, 'r').partition)).toEqual(version(1, winner));

      const seconds = await Promise.all(['s1', 's2', 's3', 's4', 's5'].map((run) => versions.put(version(2, run), 1)));
      expect(seconds.filter(Boolean)).toHaveLength(1);
      const stored = await versions.get(version(1, 'r').partition);
      expect(stored).toMatchObject({ version: 2, run_id: `s${seconds.indexOf(true) + 1}` });
      // A writer that read version 1 late, or expects no record, changes nothing.
      expect(await versions.put(version(2, 'late'), 1)).toBe(false);
      expect(await versions.put(version(1, 'late'), undefined)).toBe(false);
      expect(await versions.get(version(1, 'r').partition)).toEqual(stored);
    });
  });

  describe('DynamoCongregadoStore', () => {
    const input = (tabela: string, rows: Record<string, unknown>[], extra: Partial<CongregadoInput> = {}): CongregadoInput => ({
      database: 'db_batch',
      tabela_consolidada: tabela,
      content_hash: contentHash(rows),
      record_count: rows.length,
      chaves_principais: ['num_oper', 'cod_idef_ver_oper'],
      campos_decisao: ['dat_vlr_even_oper', 'num_prio_even_oper', 'dat_recm_even_oper'],
      origens: ['sor', 'sot'],
      processor_type: 'FlexibleConsolidationProcessor',
      sample_data: rows,
      ...extra,
    });

    it('keeps the version for the same content and adds one for changed content', async () => {
      const store = new DynamoCongregadoStore(dynamo.doc, dynamo.tables.congregado, {
        sampleStore: samples,
        clock: () => new Date('2024-03-15T03:00:00Z'),
      });
      const rows = [{ num_oper: '1', cod_idef_ver_oper: 'a', valor: 10 }];
      const first = await store.save(input('tbl_same', rows, { metadata: { anomesdia: '20240314' } }));
      expect(first.created).toBe(true);
      expect(first.record).toMatchObject({
        id: 'db_batch_tbl_same',
        version: 1,
        idempotency_key: contentHash(rows),
        record_count: 1,
        chaves_principais: ['num_oper', 'cod_idef_ver_oper'],
        sample_data: rows,
        created_at: '2024-03-15T03:00:00.000Z',
        metadata: {
          processor_type: 'FlexibleConsolidationProcessor',
          database: 'db_batch',
          tabela_consolidada: 'tbl_same',
          origens: ['sor', 'sot'],
          anomesdia: '20240314',
        },
      });
      expect(first.record.sample_uri).toBeUndefined();
      const same = await store.save(input('tbl_same', rows));
      expect(same).toMatchObject({ created: false, record: { version: 1 } });

      const changed = [...rows, { num_oper: '2', cod_idef_ver_oper: 'b', valor: 20 }];
      const second = await store.save(input('tbl_same', changed));
      expect(second).toMatchObject({ created: true, record: { version: 2, record_count: 2, created_at: '2024-03-15T03:00:00.000Z' } });
      expect(await store.get('db_batch_tbl_same')).toMatchObject({ version: 2, idempotency_key: contentHash(changed) });
      expect((await store.findByContentHash(contentHash(changed))).map((r) => [r.id, r.version])).toEqual([['db_batch_tbl_same', 2]]);
      expect(await store.findByContentHash(contentHash(rows))).toEqual([]);
    });

    it('never loses a version when two different contents are saved concurrently', async () => {
      const store = new DynamoCongregadoStore(dynamo.doc, dynamo.tables.congregado, { sampleStore: samples });
      const contents = Array.from({ length: 6 }, (_, i) => [{ num_oper: String(i) }]);
      const results = await Promise.all(contents.map((rows) => store.save(input('tbl_race', rows))));
      expect(results.every((r) => r.created)).toBe(true);
      expect(results.map((r) => r.record.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
      expect((await store.get('db_batch_tbl_race'))?.version).toBe(6);
    });

    it('keeps a 1000-row sample of wide rows under 400 KB and puts the full sample at sample_uri', async () => {
      const store = new DynamoCongregadoStore(dynamo.doc, dynamo.tables.congregado, { sampleStore: samples });
      const wide = Array.from({ length: 1000 }, (_, r) =>
        Object.fromEntries(Array.from({ length: 40 }, (_, c) => [`coluna_${c}`, `${r}-${c}-`.padEnd(200, 'x')])),
      );
      const { record } = await store.save(input('tbl_wide', wide));
      expect(record.sample_uri).toBe(samples.uri('_congregado/db_batch_tbl_wide/v1.json'));
      expect(record.sample_data.length).toBeGreaterThan(10);
      expect(record.sample_data.length).toBeLessThan(1000);
      expect(record.sample_data).toEqual(wide.slice(0, record.sample_data.length));

      const raw = await dynamo.client.send(
        new GetItemCommand({ TableName: dynamo.tables.congregado, Key: { id: { S: 'db_batch_tbl_wide' } } }),
      );
      const size = storedSize(raw.Item!);
      expect(size).toBeLessThanOrEqual(350_000);
      expect(size).toBeGreaterThan(300_000);
      const full = JSON.parse(await readFile(fileURLToPath(record.sample_uri!), 'utf8')) as unknown[];
      expect(full).toEqual(wide);
    });

    it('writes a missing S3 sample again when the same content is saved after an interrupted save', async () => {
      const store = new DynamoCongregadoStore(dynamo.doc, dynamo.tables.congregado, { sampleStore: samples, maxItemBytes: 2_000 });
      const rows = Array.from({ length: 50 }, (_, i) => ({ num_oper: String(i), texto: 'y'.repeat(100) }));
      const { record } = await store.save(input('tbl_repair', rows));
      const key = '_congregado/db_batch_tbl_repair/v1.json';
      expect(record.sample_uri).toBe(samples.uri(key));
      await samples.delete([key]);
      expect(await store.save(input('tbl_repair', rows))).toMatchObject({ created: false });
      expect(JSON.parse(new TextDecoder().decode(await samples.get(key)))).toEqual(rows);
    });

    it('stores dates and bigints of Parquet rows as JSON values and lists every record', async () => {
      const store = new DynamoCongregadoStore(dynamo.doc, dynamo.tables.congregado, { sampleStore: samples });
      const rows = [{ num_oper: 7n, dat_vlr_even_oper: new Date('2024-03-14T10:00:00Z') }];
      const { record } = await store.save(input('tbl_types', rows, { content_hash: 'h-types' }));
      expect(record.sample_data).toEqual([{ num_oper: '7', dat_vlr_even_oper: '2024-03-14T10:00:00.000Z' }]);
      const ids = (await store.list()).map((r) => r.id);
      expect(ids).toEqual([...ids].sort());
      expect(ids).toEqual(expect.arrayContaining(['db_batch_tbl_same', 'db_batch_tbl_race', 'db_batch_tbl_wide', 'db_batch_tbl_types']));
    });
  });
});

describe('the DynamoDB Local support', () => {
  it('fails, saying to install Java 17, when java cannot be run', () => {
    expect(() => checkJava('java-not-installed-here')).toThrow(
      /need Java 17, and "java-not-installed-here" could not be run .*Install Java 17/,
    );
  });
});
