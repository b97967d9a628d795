// The fault-injection suite: the local pipeline (the synthesized state machine on the embedded stand-ins)
// crashes at each named fault point, runs again, and must end exactly where a clean run ends: the same
// gold row for row, no record twice in bronze, silver or gold, watermarks never ahead of the data, every
// dropped file's rows once, and the journey's history showing the failure and the recovery.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../lambdas/core/default-config.js';
import { armFault, disarmFaults, FAULT_POINTS, type FaultPoint } from '../../lambdas/core/faults.js';
import { decodeHashIndex } from '../../lambdas/core/ingest/hash-index.js';
import { documentClient } from '../../lambdas/adapters/aws/dynamodb-client.js';
import { DynamoWatermarkStore } from '../../lambdas/adapters/aws/dynamodb-watermark-store.js';
import { startLocalDynamo } from '../../local/dynamo.js';
import { runLocal, type LocalRunReport } from '../../local/local-run.js';
import { localCatalog, localLake, openLocalQueryEngine } from '../../local/runtime.js';

const NOW = new Date('2024-03-15T02:00:00Z');
const GOLD = 'db_batch.tbl_processado_operacao_consolidada_n1';
const KEYS = 'num_oper, cod_idef_ver_oper';
const config = parsePipelineConfig(defaultPipelineConfig);
const roots: string[] = [];

/** What a run leaves in a data folder that the guarantees speak of. */
interface LakeState {
  gold: string[];
  silver: Record<string, string[]>;
  silverDuplicates: number;
  goldDuplicateKeys: number;
  bronzeDuplicates: number;
  bronzeRecords: Record<string, number>;
  pending: string[];
  animalIds: string[];
}

async function stateOf(dataDir: string): Promise<LakeState> {
  const lake = localLake(dataDir);
  const engine = await openLocalQueryEngine(await localCatalog(dataDir, config, lake));
  try {
    const lines = (rows: Record<string, unknown>[]) =>
      rows.map((r) => JSON.stringify(r, (_k, v) => (v instanceof Date ? v.toISOString() : v)));
    const gold = lines(await engine.query(`SELECT * FROM ${GOLD} ORDER BY ${KEYS}, anomesdia`));
    const silver: Record<string, string[]> = {};
    let silverDuplicates = 0;
    for (const s of config.sources) {
      const fields = s.fields.map((f) => f.name).join(', ');
      silver[s.name] = lines(await engine.query(`SELECT ${fields}, anomesdia FROM db_silver.${s.name} ORDER BY ALL`));
      const [d] = await engine.query(`SELECT count(*) - count(DISTINCT _content_hash) AS n FROM db_silver.${s.name}`);
      silverDuplicates += Number(d!.n);
    }
    const [g] = await engine.query(`SELECT count(*) - count(DISTINCT (${KEYS}, anomesdia)) AS n FROM ${GOLD}`);
    // Bronze: every committed content hash once per partition, across all hash indexes.
    let bronzeDuplicates = 0;
    const bronzeRecords: Record<string, number> = {};
    const seen = new Map<string, Set<string>>();
    for await (const o of lake.bronze.list('source=')) {
      if (!o.key.includes('/_hashes/')) continue;
      const partition = o.key.slice(0, o.key.indexOf('/_hashes/'));
      const set = seen.get(partition) ?? new Set<string>();
      seen.set(partition, set);
      decodeHashIndex(await lake.bronze.get(o.key), o.key).forEachKey((hi, lo) => {
        const k = `${hi}:${lo}`;
        if (set.has(k)) bronzeDuplicates++;
        set.add(k);
      });
    }
    for (const [p, set] of seen) bronzeRecords[p] = set.size;
    const pending: string[] = [];
    for await (const o of lake.bronze.list('pending/')) pending.push(o.key);
    const animalIds = (await engine.query('SELECT id_animal FROM db_silver.animais ORDER BY 1')).map((r) => String(r.id_animal));
    return { gold, silver, silverDuplicates, goldDuplicateKeys: Number(g!.n), bronzeDuplicates, bronzeRecords, pending, animalIds };
  } finally {
    engine.close();
  }
}

/** The watermarks the run left in the data folder's DynamoDB. */
async function watermarks(dataDir: string): Promise<Record<string, string>> {
  const dynamo = await startLocalDynamo(config, join(dataDir, 'dynamodb'));
  try {
    const store = new DynamoWatermarkStore(documentClient(dynamo.client), dynamo.tables.watermark);
    const out: Record<string, string> = {};
    for (const s of config.sources) {
      const w = await store.get(s.name);
      if (w) out[s.name] = w.watermark;
    }
    return out;
  } finally {
    await dynamo.stop();
  }
}

function run(dataDir: string): Promise<LocalRunReport> {
  return runLocal({ dataDir, now: NOW, operations: 60, faults: false, sampleRows: 1 });
}

let clean: LakeState;
let cleanReport: LocalRunReport;
let cleanWatermarks: Record<string, string>;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'faults-clean-'));
  roots.push(dir);
  cleanReport = await run(dir);
  expect(cleanReport.outcome).toBe('completed');
  clean = await stateOf(dir);
  cleanWatermarks = await watermarks(dir);
}, 120_000);
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

describe('a clean local run', () => {
  it('leaves no duplicate anywhere, every dropped file row once, and watermarks at the window end', () => {
    expect(Object.keys(cleanWatermarks).sort()).toEqual(config.sources.map((s) => s.name).sort());
    expect(clean.gold.length).toBeGreaterThan(30);
    expect([clean.bronzeDuplicates, clean.silverDuplicates, clean.goldDuplicateKeys]).toEqual([0, 0, 0]);
    expect(clean.pending).toEqual([]);
    expect(new Set(clean.animalIds).size).toBe(clean.animalIds.length);
  });
});

// The Glue run's fault point is exercised where a Glue run exists (the consolidation tests); the local run never uses Glue.
const LOCAL_POINTS = FAULT_POINTS.filter((p) => p !== 'consolidate:during-glue');

describe.each(LOCAL_POINTS)('a crash at %s', (point: FaultPoint) => {
  it('is recovered by the rerun: the same gold as a clean run, nothing twice, watermarks never ahead', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faults-'));
    roots.push(dir);
    armFault(point);
    const crashed = await run(dir);
    disarmFaults();
    expect(crashed.outcome).toBe('failed');
    expect(crashed.error).toContain(`FaultInjectedError: Simulated crash at fault point ${point}`);
    expect(crashed.journey?.status).toBe('FAILED');
    // Nothing advanced a watermark: the run did not complete, so no window counts as safely in silver.
    expect(await watermarks(dir)).toEqual({});

    const rerun = await run(dir);
    expect(rerun.outcome).toBe('completed');
    expect(rerun.journey).toMatchObject({ status: 'COMPLETED', retry_count: 1 });
    expect(rerun.journey?.attempts).toEqual([
      expect.objectContaining({
        status: 'FAILED',
        error: expect.stringContaining(`FaultInjectedError: Simulated crash at fault point ${point}`),
      }),
    ]);
    expect(await watermarks(dir)).toEqual(cleanWatermarks);
    // The result reports each source's watermark as Complete left it.
    expect(Object.fromEntries(rerun.result!.sources.map((s) => [s.source, s.watermark]))).toEqual(cleanWatermarks);

    const after = await stateOf(dir);
    expect(after.gold).toEqual(clean.gold);
    expect(after.silver).toEqual(clean.silver);
    expect([after.bronzeDuplicates, after.silverDuplicates, after.goldDuplicateKeys]).toEqual([0, 0, 0]);
    expect(after.bronzeRecords).toEqual(clean.bronzeRecords);
    expect(after.pending).toEqual([]);
    expect(after.animalIds).toEqual(clean.animalIds);
  }, 120_000);
});
