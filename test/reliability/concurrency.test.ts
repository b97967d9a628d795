// Overlapping executions on one lake, as a deployment sees them: the hourly schedule, the daily one and a
// console backfill start at once and share partitions; ten deliveries of one schedule event race for one
// journey. Each runs the synthesized state machine in-process on shared stand-ins (dynalite, the
// file-system lake, the JSON catalog), so their steps interleave at every await. Under them, the journey's
// conditional begin is raced round after round on dynalite and on AWS's DynamoDB Local.
import { mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoJourneyStore } from '../../lambdas/adapters/aws/dynamodb-journey-store.js';
import { parsePipelineConfig, type PipelineConfig } from '../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../lambdas/core/default-config.js';
import { JourneyController } from '../../lambdas/core/journey/controller.js';
import { addDays, businessDate, planRun } from '../../lambdas/core/plan.js';
import { demoDataset, type DemoDataset } from '../../local/demo-data.js';
import { startDemoApi, type DemoApi } from '../../local/demo-api.js';
import { startLocalDynamo } from '../../local/dynamo.js';
import { localConfig } from '../../local/local-run.js';
import { localRuntime } from '../../local/runtime.js';
import { runPipeline, synthesizePipeline, type LocalRunOutcome, type SynthesizedPipeline } from '../../local/state-machine.js';
import type { TestDynamo } from '../support/dynalite.js';
import { STATE_EMULATORS, useEmulator } from '../support/dynamodb-local.js';

const NOW = new Date('2024-03-15T02:00:00Z');
const GOLD = 'db_batch.tbl_processado_operacao_consolidada_n1';
const base = parsePipelineConfig(defaultPipelineConfig);
const D1 = addDays(businessDate(NOW, base.schedules.businessTimezone), -1);
const D2 = addDays(D1, -1);
// Each trial is three whole pipelines at once (and now their gold tables): 30 keep the file near four minutes on 2 cores.
const TRIALS = Number(process.env.MEDALLION_RACE_TRIALS ?? 30);
const BEGIN_ROUNDS = Number(process.env.MEDALLION_BEGIN_ROUNDS ?? 100);

let api: DemoApi;
let config: PipelineConfig;
let pipeline: SynthesizedPipeline;
let dataset: DemoDataset;
const roots: string[] = [];

beforeAll(async () => {
  const days = [D2, D1].map((day) => demoDataset({ day, timezone: base.schedules.businessTimezone, operations: 30 }));
  dataset = days.reduce((a, b) => {
    for (const k of Object.keys(a.http) as (keyof DemoDataset['http'])[]) a.http[k].push(...b.http[k]);
    Object.assign(a.files, b.files);
    return a;
  });
  api = await startDemoApi(base, dataset, { faults: false });
  config = localConfig(defaultPipelineConfig, api.baseUrl);
  // A superseded version's files stay for the grace period: consolidations that started on them finish.
  pipeline = synthesizePipeline(config);
}, 120_000);
afterAll(async () => {
  await api?.stop();
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** A lake of its own, with the demo's dropped files in pending/. */
async function lake() {
  const dataDir = mkdtempSync(join(tmpdir(), 'race-'));
  roots.push(dataDir);
  const dynamo = await startLocalDynamo(config);
  const runtime = await localRuntime({ config, dataDir, dynamo, apiToken: api.token, now: () => NOW });
  await runtime.dropFiles(dataset.files);
  return {
    runtime,
    run: (input: Record<string, unknown>) =>
      runPipeline(pipeline, runtime, { ...input, now: NOW.toISOString() } as never, { retryDelayMs: 5 }),
    async contents() {
      const silver: Record<string, string[]> = {};
      for (const s of config.sources) {
        const fields = s.fields.map((f) => f.name).join(', ');
        silver[s.name] = (await runtime.query(`SELECT ${fields}, anomesdia FROM db_silver.${s.name} ORDER BY ALL`)).map(line);
      }
      const gold = (await runtime.query(`SELECT * FROM ${GOLD} ORDER BY ALL`)).map(line);
      // The tables kept from gold too: overlapping Gold tables steps must not lose one another's changes.
      const kept = {
        current: (await runtime.query(`SELECT * FROM ${GOLD}_current ORDER BY ALL`)).map(line),
        history: (await runtime.query(`SELECT * FROM ${GOLD}_history ORDER BY ALL`)).map(line),
        aggregate: (await runtime.query(`SELECT * FROM db_batch.tbl_operacao_resumo_diario ORDER BY ALL`)).map(line),
      };
      return { silver, gold, kept };
    },
    async stop() {
      await runtime.close();
      await dynamo.stop();
      // Each lake goes as soon as its trial ends: removing fifty at the end outlasted the hook timeout on a loaded machine.
      await rm(dataDir, { recursive: true, force: true });
      roots.splice(roots.indexOf(dataDir), 1);
    },
  };
}

function line(row: Record<string, unknown>): string {
  return JSON.stringify(row, (_k, v) => (v instanceof Date ? v.toISOString() : v));
}

const HOURLY = { mode: 'hourly' };
const DAILY = { mode: 'daily' };
const BACKFILL = { mode: 'backfill', from: D2, to: D1 };

describe.each(STATE_EMULATORS)(`ten begins of one window's journey at once on $name (${BEGIN_ROUNDS} rounds)`, (emulator) => {
  let dynamo: TestDynamo;
  useEmulator(emulator, (started) => void (dynamo = started));

  it('let exactly one start, every round, and exactly one again when they retry a failed journey', async () => {
    const journeys = new JourneyController(new DynamoJourneyStore(dynamo.doc, dynamo.tables.journey));
    const race = (runId: string, params: Record<string, unknown>, round: number, attempt: string) =>
      Promise.all(Array.from({ length: 10 }, (_, i) => journeys.begin(runId, params, { force: false, owner: `${attempt}-${round}-${i}` })));
    for (let round = 0; round < BEGIN_ROUNDS; round++) {
      // Each round is the daily run of another day: the journey key and parameters the Plan step begins.
      const now = new Date(NOW.getTime() - round * 86_400_000);
      const plan = planRun(base, { mode: 'daily' }, { now, watermarks: {} });
      const params = { ...plan.jobParams, window: plan.window };
      const first = await race(plan.runId, params, round, 'first');
      const started = first.filter((o) => o.kind === 'started');
      expect(started, `round ${round}: started`).toHaveLength(1);
      expect(first.filter((o) => o.kind === 'in_progress' && o.journey.owner === started[0]!.journey.owner)).toHaveLength(9);
      if (round % 5 !== 0) continue;
      // Every fifth round the winner fails and the ten retry: taking over the FAILED journey is as exclusive as the first begin.
      await journeys.fail(plan.runId, started[0]!.journey.owner!, 'SourceUnavailableError: down');
      const retry = await race(plan.runId, params, round, 'retry');
      const restarted = retry.filter((o) => o.kind === 'started');
      expect(restarted, `round ${round}: restarted`).toHaveLength(1);
      expect(await journeys.get(plan.runId)).toMatchObject({ status: 'IN_PROGRESS', owner: restarted[0]!.journey.owner, retry_count: 1 });
    }
  }, 300_000);
});

describe('ten executions of one window at once', () => {
  it('let exactly one do the work; the others end as in progress or complete, and gold is what one run writes', async () => {
    const l = await lake();
    try {
      const outcomes = await Promise.all(Array.from({ length: 10 }, () => l.run(DAILY)));
      const worked = outcomes.filter((o) => o.status === 'SUCCEEDED' && !('status' in (o.output as object)));
      const skipped = outcomes.filter((o) => o.status === 'SUCCEEDED' && (o.output as { status?: string }).status === 'completed');
      const held = outcomes.filter((o): o is Extract<LocalRunOutcome, { status: 'FAILED' }> => o.status === 'FAILED');
      expect(worked).toHaveLength(1);
      expect(skipped.length + held.length).toBe(9);
      for (const h of held) expect(h.cause).toContain('JourneyInProgressError');
      const journey = (await l.runtime.getJourney((worked[0] as { output: { runId: string } }).output.runId))!;
      // One ingest and one refine per source: nobody else worked on the journey.
      expect(journey.steps.filter((s) => s.name === 'ingest')).toHaveLength(config.sources.length);
      expect(journey).toMatchObject({ status: 'COMPLETED', retry_count: 0 });
      const alone = await lake();
      try {
        await alone.run(DAILY);
        expect(await l.contents()).toEqual(await alone.contents());
      } finally {
        await alone.stop();
      }
    } finally {
      await l.stop();
    }
  }, 120_000);
});

describe(`the hourly, daily and backfill executions at once, sharing partitions (${TRIALS} trials)`, () => {
  it('end with the same silver and gold as the three run one after another, every time', async () => {
    const serial = await lake();
    let expected: Awaited<ReturnType<typeof serial.contents>>;
    try {
      for (const input of [HOURLY, DAILY, BACKFILL]) expect((await serial.run(input)).status).toBe('SUCCEEDED');
      expected = await serial.contents();
    } finally {
      await serial.stop();
    }
    expect(expected.gold.length).toBeGreaterThan(20);
    expect(expected.kept.current.length).toBeGreaterThan(20);
    for (let trial = 0; trial < TRIALS; trial++) {
      const l = await lake();
      try {
        const outcomes = await Promise.all([HOURLY, DAILY, BACKFILL].map((input) => l.run(input)));
        expect(outcomes.map((o) => (o.status === 'FAILED' ? `${o.error}: ${o.cause}` : o.status))).toEqual([
          'SUCCEEDED',
          'SUCCEEDED',
          'SUCCEEDED',
        ]);
        const got = await l.contents();
        expect(got.gold, `trial ${trial}: gold`).toEqual(expected.gold);
        expect(got.silver, `trial ${trial}: silver`).toEqual(expected.silver);
        expect(got.kept, `trial ${trial}: current state, history, aggregate`).toEqual(expected.kept);
      } finally {
        await l.stop();
      }
    }
  }, 900_000);
});
