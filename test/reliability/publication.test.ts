// Publication under concurrent writers, with the real local parts (file-system lake, JSON catalog, partition
// versions on dynalite): two refines or two consolidations of one partition, readers during the grace
// period, and consolidation refusing to publish what does not add up.
import { mkdtemp, rm, truncate, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DynamoPartitionVersionStore } from '../../lambdas/adapters/aws/dynamodb-partition-versions.js';
import { localCatalog, localLake } from '../../local/runtime.js';
import { parsePipelineConfig, type PipelineConfig } from '../../lambdas/core/config.js';
import { consolidateHere } from '../support/consolidation-lake.js';
import { defaultPipelineConfig } from '../../lambdas/core/default-config.js';
import { armFault, disarmFaults } from '../../lambdas/core/faults.js';
import { BronzeWriter } from '../../lambdas/core/ingest/bronze-writer.js';
import { ConservationError } from '../../lambdas/core/lake/errors.js';
import { goldTable, silverTable } from '../../lambdas/core/lake/layout.js';
import { partitionKey, UNPUBLISHED_SWEEP_MS } from '../../lambdas/core/lake/publication.js';
import { refineSource } from '../../lambdas/core/refine/refine-source.js';
import type { CongregadoStore } from '../../lambdas/ports/state-stores.js';
import { readParquet } from '../support/parquet.js';
import { startTestDynamo, type TestDynamo } from '../support/dynalite.js';

const DAY = '20240119';
const WINDOW = { mode: 'daily' as const, from: '2024-01-19T00:00:00.000Z', to: '2024-01-20T00:00:00.000Z', anomesdias: [DAY] };

let dynamo: TestDynamo;
let versions: DynamoPartitionVersionStore;
const dirs: string[] = [];

beforeAll(async () => {
  dynamo = await startTestDynamo();
  versions = new DynamoPartitionVersionStore(dynamo.doc, dynamo.tables.partitions);
});
afterAll(() => dynamo.stop());
afterEach(() => disarmFaults());
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** A lake of its own (fresh databases, so that trials do not share partition records) with sor and sot as in the demo. */
async function lake(trial: string, overrides: { graceMinutes?: number } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'publication-'));
  dirs.push(dir);
  const raw = structuredClone(defaultPipelineConfig) as Record<string, any>;
  raw.storage = { ...raw.storage, silverDatabase: `silver_${trial}` };
  raw.consolidations[0].database = `gold_${trial}`;
  const config: PipelineConfig = parsePipelineConfig(raw);
  config.limits.supersededGraceMinutes = overrides.graceMinutes ?? 0;
  const stores = localLake(dir);
  const catalog = await localCatalog(dir, config, stores);
  const saved: unknown[] = [];
  const congregados: CongregadoStore = {
    save: async (input) => (saved.push(input), { record: { ...input, version: saved.length } as never, created: true }),
    get: async () => undefined,
    list: async () => [],
  };
  const consolidation = config.consolidations[0]!;
  return {
    config,
    ...stores,
    catalog,
    saved,
    /** Commits operations `from..to` of a source to bronze, as one ingestion run. */
    async ingest(source: string, runId: string, from: number, to: number) {
      const writer = new BronzeWriter({
        store: stores.bronze,
        source,
        runId,
        ingestedAt: new Date(Date.UTC(2024, 0, 20, 1) + from).toISOString(),
        recordsPerFile: 1000,
      });
      const records = Array.from({ length: to - from }, (_, i) => operationOf(source, from + i));
      await writer.addAll(records.map((record) => ({ record, anomesdia: DAY })));
      await writer.commit();
    },
    refine: (source: string, runId: string) =>
      refineSource(
        { config, bronze: stores.bronze, silver: stores.silver, catalog, versions },
        { runId, source, window: WINDOW, anomesdias: [DAY] },
      ),
    consolidate: (runId: string) =>
      consolidateHere(
        { config, silver: stores.silver, gold: stores.gold, catalog, versions, congregados },
        { runId, database: consolidation.database, tabela: consolidation.tabela_consolidada, anomesdia: DAY },
      ),
    /** The rows the catalog's partition of a table holds now, read from its files. */
    async rowsInCatalog(layer: 'silver' | 'gold', table: { database: string; name: string }) {
      const location = await catalog.getPartitionLocation(table.database, table.name, { anomesdia: DAY });
      expect(location, `the catalog has a ${layer} partition`).toBeDefined();
      const store = stores[layer];
      const prefix = fileURLToPath(location!).slice(fileURLToPath(store.uri('')).length + 1);
      const rows: Record<string, unknown>[] = [];
      for await (const o of store.list(prefix))
        if (o.key.endsWith('.parquet')) rows.push(...rowsOf(await readParquet(await store.get(o.key))));
      return rows;
    },
    silverTable: (source: string) =>
      silverTable(
        config,
        config.sources.find((s) => s.name === source)!,
      ),
    goldTable: () => goldTable(config, consolidation),
  };
}

/** Operation i of a source: keys spread so that sor and sot share some, and a decision time within the day. */
function operationOf(source: string, i: number): Record<string, unknown> {
  const t = new Date(Date.UTC(2024, 0, 19, 0, 0, i % 3_600)).toISOString();
  return {
    num_oper: `OP${String(i % 400).padStart(4, '0')}`,
    cod_idef_ver_oper: (i % 3) + (source === 'sot' ? 1 : 0),
    dat_vlr_even_oper: t,
    num_prio_even_oper: i % 5,
    dat_recm_even_oper: t,
    vlr_oper: `${(i * 7) % 1000}.25`,
    cod_moed: 'BRL',
    des_stat_oper: `${source}-${i}`,
    updated_at: t,
  };
}

function rowsOf(table: { columns: { name: string }[]; data: Record<string, unknown[]>; rowCount: number }): Record<string, unknown>[] {
  return Array.from({ length: table.rowCount }, (_, i) => Object.fromEntries(table.columns.map((c) => [c.name, table.data[c.name]![i]])));
}

/** Random delays at a fault point, for every run that passes it, so that concurrent writers interleave differently each trial. */
function jitter(point: Parameters<typeof armFault>[0], maxMs: number) {
  const delay = () => {
    armFault(point, delay);
    return new Promise<void>((r) => setTimeout(r, Math.random() * maxMs));
  };
  armFault(point, delay);
}

describe('two executions refining the same silver partition at once', () => {
  it('always leave one complete version, built from the most bronze, that the catalog points at (20 trials)', async () => {
    const outcomes = { published: 0, superseded: 0 };
    for (let trial = 0; trial < 20; trial++) {
      const l = await lake(`rs${trial}`);
      await l.ingest('sor', 'hourly-1', 0, 300);
      jitter('refine:before-publish', 40);
      // The first refine reads the first commit; a second ingest commits; the second refine reads both.
      const first = l.refine('sor', 'exec-a');
      await new Promise((r) => setTimeout(r, Math.random() * 30));
      await l.ingest('sor', 'daily-1', 250, 700);
      const second = l.refine('sor', 'exec-b');
      const results = await Promise.all([first, second]);
      disarmFaults();
      for (const r of results) outcomes[r.partitions[0]!.superseded_by ? 'superseded' : 'published']++;
      const record = (await versions.get(partitionKey('silver', l.silverTable('sor').database, 'sor', { anomesdia: DAY })))!;
      expect(record.inputs).toEqual({ bronze_commits: 2 });
      expect(record.rows).toBe(700);
      const rows = await l.rowsInCatalog('silver', l.silverTable('sor'));
      expect(rows).toHaveLength(700);
      expect(new Set(rows.map((r) => r.des_stat_oper)).size).toBe(700);
      // What consolidation reads is that same complete version.
      expect((await l.consolidate(`gold-${trial}`)).rows_read).toBe(700);
    }
    // Both orders happened: sometimes the slower, older refine lost the race to publish and was discarded.
    expect(outcomes.published).toBeGreaterThanOrEqual(20);
  }, 240_000);
});

describe('two consolidations of the same gold partition at once', () => {
  it('never lose the partition and end on the version built from the newest silver (20 trials)', async () => {
    let discarded = 0;
    for (let trial = 0; trial < 20; trial++) {
      const l = await lake(`cg${trial}`);
      await l.ingest('sor', 'i1', 0, 200);
      await l.ingest('sot', 'i1', 0, 150);
      await l.refine('sor', 'r1');
      await l.refine('sot', 'r1');
      jitter('consolidate:before-publish', 40);
      const first = l.consolidate('exec-a');
      // sot gets a new silver version while the first consolidation runs; the second reads it.
      await l.ingest('sot', 'i2', 150, 260);
      await l.refine('sot', 'r2');
      const second = l.consolidate('exec-b');
      const results = await Promise.all([first, second]);
      disarmFaults();
      discarded += results.filter((r) => r.superseded_by).length;
      const gold = l.goldTable();
      const record = (await versions.get(partitionKey('gold', gold.database, gold.name, { anomesdia: DAY })))!;
      expect(record.inputs).toEqual({ sor: 1, sot: 2 });
      const rows = await l.rowsInCatalog('gold', gold);
      expect(rows.length).toBe(record.rows);
      // Exactly what a consolidation run alone after both refines writes.
      const alone = await l.consolidate('serial');
      expect(alone.rows_written).toBe(rows.length);
      // Decimals are bigints (unscaled): JSON text of them as their digits.
      const text = (r: Record<string, unknown>) => JSON.stringify(r, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
      expect((await l.rowsInCatalog('gold', gold)).map(text).sort()).toEqual(rows.map(text).sort());
    }
    expect(discarded).toBeGreaterThanOrEqual(0);
  }, 240_000);
});

describe('readers of a superseded version', () => {
  it('find its files for the grace period, and they go with a publication after it', async () => {
    let now = Date.UTC(2024, 0, 20, 3);
    const l = await lake('grace', { graceMinutes: 60 });
    const clock = () => new Date(now);
    const refine = (runId: string) =>
      refineSource(
        { config: l.config, bronze: l.bronze, silver: l.silver, catalog: l.catalog, versions, clock },
        { runId, source: 'sor', window: WINDOW, anomesdias: [DAY] },
      );
    await l.ingest('sor', 'i1', 0, 100);
    await refine('r1');
    const key = partitionKey('silver', l.silverTable('sor').database, 'sor', { anomesdia: DAY });
    const v1 = (await versions.get(key))!;
    now += 10 * 60_000;
    await l.ingest('sor', 'i2', 100, 150);
    await refine('r2');
    // A reader that started on version 1 still reads every file of it.
    for (const f of v1.files) expect((await l.silver.get(f.key)).byteLength).toBe(f.bytes);
    expect((await versions.get(key))!.superseded.map((s) => s.version)).toEqual([1]);
    now += 61 * 60_000;
    await l.ingest('sor', 'i3', 150, 160);
    await refine('r3');
    for (const f of v1.files) expect(await l.silver.head(f.key)).toBeUndefined();
    const v3 = (await versions.get(key))!;
    expect(v3.superseded.map((s) => s.version)).toEqual([2]);
    expect(v3.rows).toBe(160);
  });

  it('a folder that was never published (a crash before publication) goes once no execution can still be writing it', async () => {
    let now = Date.now();
    const l = await lake('orphan', { graceMinutes: 0 });
    const refine = (runId: string) =>
      refineSource(
        { config: l.config, bronze: l.bronze, silver: l.silver, catalog: l.catalog, versions, clock: () => new Date(now) },
        { runId, source: 'sor', window: WINDOW, anomesdias: [DAY] },
      );
    await l.ingest('sor', 'i1', 0, 50);
    armFault('refine:before-publish');
    await expect(refine('crashed')).rejects.toThrow('Simulated crash at fault point refine:before-publish');
    const orphans: string[] = [];
    for await (const o of l.silver.list('sor/')) orphans.push(o.key);
    expect(orphans).toHaveLength(1);
    // Younger than an execution may last: it could be a writer about to publish, so it stays.
    await refine('rerun');
    for (const key of orphans) expect(await l.silver.head(key)).toBeDefined();
    now += UNPUBLISHED_SWEEP_MS + 60_000;
    await refine('later');
    for (const key of orphans) expect(await l.silver.head(key)).toBeUndefined();
    expect(await l.rowsInCatalog('silver', l.silverTable('sor'))).toHaveLength(50);
  });
});

describe('conservation of rows', () => {
  it('consolidation refuses to publish when a silver file was deleted or cut short after refine, naming the partition and the counts', async () => {
    for (const damage of ['delete', 'truncate'] as const) {
      const l = await lake(`cons_${damage}`);
      await l.ingest('sor', 'i1', 0, 120);
      await l.ingest('sot', 'i1', 0, 80);
      await l.refine('sor', 'r1');
      await l.refine('sot', 'r1');
      const record = (await versions.get(partitionKey('silver', l.silverTable('sot').database, 'sot', { anomesdia: DAY })))!;
      const path = fileURLToPath(l.silver.uri(record.files[0]!.key));
      if (damage === 'delete') await unlink(path);
      else await truncate(path, 100);
      const error = (await l.consolidate('c1').catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(ConservationError);
      expect(error.message).toContain(`Partition silver/silver_cons_${damage}.sot/anomesdia=${DAY}: expected `);
      expect(error.message).toMatch(
        damage === 'delete'
          ? /expected 80 rows in file:.*part-00000\.parquet, read no file \(the file is missing\)/
          : /expected \d+ bytes in file:.*, read 100 bytes .*\(the file changed since it was published\)/,
      );
      const gold = l.goldTable();
      expect(await versions.get(partitionKey('gold', gold.database, gold.name, { anomesdia: DAY }))).toBeUndefined();
      expect(await l.catalog.getPartitionLocation(gold.database, gold.name, { anomesdia: DAY })).toBeUndefined();
      expect(l.saved).toHaveLength(0);
    }
  });

  it('refine refuses to publish when a committed bronze part is cut short, naming the partition and the counts', async () => {
    const l = await lake('bronze_cut');
    await l.ingest('sor', 'i1', 0, 500);
    const parts: string[] = [];
    for await (const o of l.bronze.list('source=sor/')) if (o.key.endsWith('.ndjson.gz')) parts.push(o.key);
    // A valid gzip of fewer lines in place of the committed part.
    const { gzipSync, gunzipSync } = await import('node:zlib');
    const lines = gunzipSync(await l.bronze.get(parts[0]!))
      .toString('utf8')
      .split('\n')
      .filter(Boolean);
    await l.bronze.put(parts[0]!, gzipSync(`${lines.slice(0, 400).join('\n')}\n`));
    await expect(l.refine('sor', 'r1')).rejects.toThrow(
      `Partition bronze sor anomesdia=${DAY}: expected 500 committed records, read 400 lines`,
    );
    expect(await versions.get(partitionKey('silver', l.silverTable('sor').database, 'sor', { anomesdia: DAY }))).toBeUndefined();
  });

  it('reports the books of every partition: bronze into silver, silver into gold', async () => {
    const l = await lake('books');
    await l.ingest('sor', 'i1', 0, 100);
    await l.ingest('sor', 'i2', 0, 100);
    const refined = await l.refine('sor', 'r1');
    expect(refined.partitions[0]!.books).toBe('100 bronze = 100 silver + 0 duplicates + 0 quarantined');
    const gold = await l.consolidate('c1');
    expect(gold.books).toBe(`100 silver = ${gold.rows_written} gold + ${100 - gold.rows_written} outranked + 0 null keys`);
  });
});
