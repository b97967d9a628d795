import { describe, expect, it } from 'vitest';
import { DynamoJourneyStore } from '../../../lambdas/adapters/aws/dynamodb-journey-store.js';
import { JourneyController, RESULT_MAX_BYTES, STEP_MAX_BYTES, STEPS_MAX_BYTES } from '../../../lambdas/core/journey/controller.js';
import { FsObjectStore } from '../../../lambdas/adapters/local/fs-object-store.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JourneyLeaseLostError, JourneyNotFoundError } from '../../../lambdas/core/journey/errors.js';
import type { JourneyPort, StepRecord } from '../../../lambdas/ports/state-stores.js';
import type { TestDynamo } from '../../support/dynalite.js';
import { STATE_EMULATORS, useEmulator } from '../../support/dynamodb-local.js';

let n = 0;
const key = () => `journey-${++n}-${Date.now()}`;

/** A clock the test moves by hand. */
function manualClock(start = '2024-03-15T02:00:00.000Z') {
  let t = new Date(start).getTime();
  const clock = () => new Date(t);
  clock.advance = (ms: number) => (t += ms);
  return clock;
}

describe.each(STATE_EMULATORS)('JourneyController on $name', (emulator) => {
  let dynamo: TestDynamo;
  let store: DynamoJourneyStore;
  useEmulator(emulator, (started) => {
    dynamo = started;
    store = new DynamoJourneyStore(dynamo.doc, dynamo.tables.journey);
  });

  it("serves as the steps' JourneyPort", () => {
    // lambdas/core may not import the handlers, so the controller meets the port structurally.
    const port: JourneyPort = new JourneyController(store);
    expect(typeof port.begin).toBe('function');
  });

  it('lets exactly one of 10 concurrent begins of one key start; the others see it in progress', async () => {
    const journeys = new JourneyController(store);
    const k = key();
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) => journeys.begin(k, { day: '20240314' }, { force: false, owner: `exec-${i}` })),
    );
    expect(outcomes.filter((o) => o.kind === 'started')).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === 'in_progress')).toHaveLength(9);
    const stored = await journeys.get(k);
    const winner = outcomes.find((o) => o.kind === 'started')!;
    expect(stored).toMatchObject({ status: 'IN_PROGRESS', owner: winner.journey.owner, retry_count: 0, params: { day: '20240314' } });
    expect(stored?.expires_at).toBeGreaterThan(Date.now() / 1000 + 89 * 86_400);
  });

  it('keeps a crashed run blocking others until its lease expires, then exactly one of several callers takes over', async () => {
    const clock = manualClock();
    const journeys = new JourneyController(store, { leaseMs: 60_000, clock });
    const k = key();
    expect((await journeys.begin(k, {}, { force: false, owner: 'crashed' })).kind).toBe('started');
    clock.advance(59_000);
    const early = await journeys.begin(k, {}, { force: false, owner: 'early' });
    expect(early).toMatchObject({ kind: 'in_progress', journey: { owner: 'crashed' } });

    clock.advance(2_000);
    const outcomes = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((owner) => journeys.begin(k, {}, { force: false, owner })));
    const started = outcomes.filter((o) => o.kind === 'started');
    expect(started).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === 'in_progress')).toHaveLength(4);
    const stored = await journeys.get(k);
    expect(stored).toMatchObject({ status: 'IN_PROGRESS', owner: started[0]!.journey.owner, retry_count: 1 });
    expect(stored?.error).toContain('Lease of crashed expired');
    expect(stored?.lease_expires_at).toBe(new Date(clock().getTime() + 60_000).toISOString());
  });

  it('renews the lease when a step is recorded, so a live run is not taken over', async () => {
    const clock = manualClock();
    const journeys = new JourneyController(store, { leaseMs: 60_000, clock });
    const k = key();
    await journeys.begin(k, {}, { force: false, owner: 'live' });
    clock.advance(50_000);
    await journeys.recordStep(k, 'live', { name: 'ingest', status: 'SUCCEEDED', started_at: clock().toISOString() });
    clock.advance(50_000);
    expect((await journeys.begin(k, {}, { force: false, owner: 'other' })).kind).toBe('in_progress');
    expect((await journeys.begin(k, {}, { force: false, owner: 'live' })).kind).toBe('started');
  });

  it('appends steps in order with their counts and sets the current step', async () => {
    const journeys = new JourneyController(store);
    const k = key();
    await journeys.begin(k, {}, { force: false, owner: 'x' });
    const ingest: StepRecord = {
      name: 'ingest',
      status: 'SUCCEEDED',
      source: 'sor',
      layer: 'bronze',
      started_at: '2024-03-15T02:00:00.000Z',
      rows_read: 120,
      rows_written: 118,
      rows_invalid: undefined,
    };
    const refine: StepRecord = {
      name: 'refine',
      status: 'FAILED',
      source: 'sor',
      layer: 'silver',
      started_at: '2024-03-15T02:01:00.000Z',
      rows_read: 118,
      rows_written: 0,
      error: 'SchemaError: bad',
    };
    await journeys.recordStep(k, 'x', ingest);
    await journeys.recordStep(k, 'x', refine);
    const stored = await journeys.get(k);
    expect(stored?.step).toBe('refine');
    expect(stored?.steps.map((s) => [s.name, s.status, s.rows_read, s.rows_written])).toEqual([
      ['ingest', 'SUCCEEDED', 120, 118],
      ['refine', 'FAILED', 118, 0],
    ]);
    expect(stored?.steps[1]?.error).toBe('SchemaError: bad');
    await expect(journeys.recordStep('never-begun', 'x', ingest)).rejects.toThrow(JourneyNotFoundError);
  });

  it('stops listing steps once they take their budget of the 400 KB item, counting the rest, and starts over on a restart', async () => {
    const journeys = new JourneyController(store);
    const k = key();
    await journeys.begin(k, {}, { force: false, owner: 'x' });
    // Steps of about 3.5 KB: a year's backfill of big partitions, each with its own step.
    const step = (i: number): StepRecord => ({
      name: 'consolidate',
      status: 'SUCCEEDED',
      started_at: '2024-03-15T02:00:00.000Z',
      message: `anomesdia ${i} ${'x'.repeat(900)}`,
      objects: Array.from({ length: 12 }, (_, j) => `gold/t/anomesdia=${i}/part-${j}`.padEnd(200, 'x')),
    });
    const total = Math.ceil(STEPS_MAX_BYTES / 3_000) + 10;
    for (let i = 0; i < total; i++) await journeys.recordStep(k, 'x', step(i));
    const stored = (await journeys.get(k))!;
    expect(Buffer.byteLength(JSON.stringify(stored), 'utf8')).toBeLessThan(STEPS_MAX_BYTES + 10_000);
    expect(stored.steps.length + stored.steps_not_listed!).toBe(total);
    expect(stored.steps_not_listed).toBeGreaterThan(0);
    expect(stored.steps.at(-1)!.message).toMatch(new RegExp(`^anomesdia ${stored.steps.length - 1} `));
    expect(stored.step).toBe('consolidate');
    await journeys.fail(k, 'x', 'boom');
    const again = await journeys.begin(k, {}, { force: false, owner: 'y' });
    expect(again.kind).toBe('started');
    await journeys.recordStep(k, 'y', step(0));
    const restarted = (await journeys.get(k))!;
    expect(restarted.steps).toHaveLength(1);
    expect(restarted.steps_not_listed).toBeUndefined();
  });

  it('keeps a step with a long object list and error within its byte budget, saying how many objects were left out', async () => {
    const journeys = new JourneyController(store);
    const k = key();
    await journeys.begin(k, {}, { force: false, owner: 'x' });
    const objects = Array.from({ length: 100 }, (_, i) => `bronze/sor/anomesdia=20240314/run=r1/part-${i}-`.padEnd(200, 'x'));
    await journeys.recordStep(k, 'x', {
      name: 'ingest',
      status: 'FAILED',
      started_at: '2024-03-15T02:00:00.000Z',
      objects,
      error: 'E'.repeat(5_000),
      rows_read: 7,
    });
    const [step] = (await journeys.get(k))!.steps;
    expect(Buffer.byteLength(JSON.stringify(step))).toBeLessThanOrEqual(STEP_MAX_BYTES);
    expect(step?.objects).toEqual(objects.slice(0, step!.objects!.length));
    expect(step?.objects?.length).toBeGreaterThan(5);
    expect(step?.message).toBe(`${100 - step!.objects!.length} more object(s) not listed`);
    expect(step?.error).toMatch(/^E{1000}\.\.\. \(4000 more characters\)$/);
    expect(step?.rows_read).toBe(7);
  });

  it('returns the stored result of a COMPLETED journey, so the work does not run again', async () => {
    const journeys = new JourneyController(store);
    const k = key();
    expect(await journeys.begin(k, { a: 1 }, { force: false, owner: 'first' })).toMatchObject({ kind: 'started' });
    await journeys.complete(k, 'first', { rows: 11 });
    const begun = await journeys.begin(k, { a: 1 }, { force: false, owner: 'later' });
    expect(begun).toMatchObject({ kind: 'completed', journey: { status: 'COMPLETED', step: 'completed', result: { rows: 11 } } });
    expect(begun.journey.lease_expires_at).toBeUndefined();
    expect(begun.journey.completed_at).toBeDefined();
  });

  it('restarts a completed journey when forced, exactly once among concurrent forced callers', async () => {
    const journeys = new JourneyController(store);
    const k = key();
    await journeys.begin(k, {}, { force: false, owner: 'f0' });
    await journeys.complete(k, 'f0', 'first');
    const outcomes = await Promise.all(['f1', 'f2', 'f3'].map((owner) => journeys.begin(k, {}, { force: true, owner })));
    expect(outcomes.filter((o) => o.kind === 'started')).toHaveLength(1);
    const stored = await journeys.get(k);
    expect(stored).toMatchObject({ status: 'IN_PROGRESS', steps: [], retry_count: 1 });
    expect(stored?.result).toBeUndefined();
    // A forced caller still waits for a live lease; once that run completes, a forced run starts again.
    expect(await journeys.begin(k, {}, { force: true, owner: 'f4' })).toMatchObject({ kind: 'in_progress' });
    await journeys.complete(k, outcomes.find((o) => o.kind === 'started')!.journey.owner!, 'second');
    expect(await journeys.begin(k, {}, { force: true, owner: 'f4' })).toMatchObject({ kind: 'started' });
    await journeys.complete(k, 'f4', 'third');
    expect(await journeys.get(k)).toMatchObject({ status: 'COMPLETED', result: 'third', retry_count: 2 });
  });

  it('marks a journey FAILED with its error and no lease, and lets it be begun again, counting the attempt', async () => {
    const journeys = new JourneyController(store);
    const k = key();
    await journeys.begin(k, {}, { force: false, owner: 'run' });
    await journeys.recordStep(k, 'run', {
      name: 'ingest',
      status: 'FAILED',
      started_at: new Date().toISOString(),
      error: 'RangeError: source down 3',
    });
    await journeys.fail(k, 'run', 'RangeError: source down 3');
    const stored = await journeys.get(k);
    expect(stored).toMatchObject({ status: 'FAILED', retry_count: 0, error: 'RangeError: source down 3' });
    expect(stored?.steps).toHaveLength(1);
    expect(stored?.lease_expires_at).toBeUndefined();
    const again = await journeys.begin(k, {}, { force: false, owner: 'retry' });
    expect(again).toMatchObject({
      kind: 'started',
      journey: { retry_count: 1, status: 'IN_PROGRESS', error: 'RangeError: source down 3' },
    });
    // The failed attempt stays in the journey's history, as does an abandoned one when its lease lapses.
    expect(again.journey.attempts).toEqual([
      expect.objectContaining({ owner: 'run', status: 'FAILED', error: 'RangeError: source down 3', step: 'ingest' }),
    ]);
  });

  it('refuses a second owner while another caller holds the lease', async () => {
    const journeys = new JourneyController(store);
    const k = key();
    await journeys.begin(k, {}, { force: false, owner: 'holder' });
    expect(await journeys.begin(k, {}, { force: false, owner: 'intruder' })).toMatchObject({
      kind: 'in_progress',
      journey: { owner: 'holder' },
    });
  });

  it('takes over at once, exactly once, a live lease whose owner ownerGone says is gone, and waits for any other', async () => {
    const dead = new Set(['crashed']);
    const asked: string[] = [];
    const journeys = new JourneyController(store, {
      ownerProcess: { pid: 4242, host: 'laptop' },
      ownerGone: (journey) => {
        asked.push(journey.owner!);
        const process = journey.metadata?.owner_process as { pid: number } | undefined;
        return dead.has(journey.owner!) ? `process ${process?.pid} no longer runs` : undefined;
      },
    });
    const k = key();
    const first = await journeys.begin(k, {}, { force: false, owner: 'crashed' });
    expect(first.journey.metadata).toEqual({ owner_process: { pid: 4242, host: 'laptop' } });
    // Its own owner renews without asking; a new journey asks nobody.
    expect((await journeys.begin(k, {}, { force: false, owner: 'crashed' })).kind).toBe('started');
    expect(asked).toEqual([]);

    const outcomes = await Promise.all(['a', 'b', 'c', 'd'].map((owner) => journeys.begin(k, {}, { force: false, owner })));
    const started = outcomes.filter((o) => o.kind === 'started');
    expect(started).toHaveLength(1);
    const stored = await journeys.get(k);
    expect(stored).toMatchObject({ status: 'IN_PROGRESS', owner: started[0]!.journey.owner, retry_count: 1 });
    expect(stored?.error).toMatch(/^Owner crashed is gone \(process 4242 no longer runs\); its lease until .* was taken over by [abcd]$/);
    // The new holder is alive: the others wait for it, as they would without ownerGone.
    expect(outcomes.filter((o) => o.kind === 'in_progress').map((o) => o.journey.owner)).toEqual(Array(3).fill(started[0]!.journey.owner));
    expect(await journeys.begin(k, {}, { force: true, owner: 'forced' })).toMatchObject({ kind: 'in_progress' });
  });

  it('takes over a gone owner with force as without, and never asks about a lapsed lease', async () => {
    const clock = manualClock();
    let asked = 0;
    const journeys = new JourneyController(store, { leaseMs: 60_000, clock, ownerGone: () => (asked++, 'gone') });
    const k = key();
    await journeys.begin(k, {}, { force: false, owner: 'crashed' });
    expect(await journeys.begin(k, {}, { force: true, owner: 'forced' })).toMatchObject({ kind: 'started', journey: { retry_count: 1 } });
    expect(asked).toBe(1);
    clock.advance(61_000);
    const after = await journeys.begin(k, {}, { force: false, owner: 'later' });
    expect(after).toMatchObject({
      kind: 'started',
      journey: { retry_count: 2, error: expect.stringContaining('Lease of forced expired') },
    });
    expect(asked).toBe(1);
    expect(after.journey.metadata).toBeUndefined();
  });

  it('never turns a COMPLETED journey into FAILED', async () => {
    const journeys = new JourneyController(store);
    const k = key();
    await journeys.begin(k, {}, { force: false, owner: 'x' });
    await journeys.complete(k, 'x', { done: true });
    const after = await journeys.fail(k, 'x', 'late failure');
    expect(after).toMatchObject({ changed: false, journey: { status: 'COMPLETED', result: { done: true } } });
    await expect(journeys.fail('never-begun', 'x', 'x')).rejects.toThrow(JourneyNotFoundError);
  });

  it('fences a stale holder: once another execution took over, its renew, steps and completion fail and change nothing', async () => {
    const clock = manualClock();
    const journeys = new JourneyController(store, { leaseMs: 60_000, clock });
    const k = key();
    await journeys.begin(k, { day: 1 }, { force: false, owner: 'slow' });
    await journeys.recordStep(k, 'slow', { name: 'ingest', status: 'SUCCEEDED', started_at: clock().toISOString() });
    clock.advance(61_000);
    const taken = await journeys.begin(k, { day: 1 }, { force: false, owner: 'fresh' });
    expect(taken).toMatchObject({ kind: 'started' });
    expect(taken.journey.attempts).toEqual([expect.objectContaining({ owner: 'slow', status: 'ABANDONED', step: 'ingest' })]);
    const before = await journeys.get(k);
    await expect(journeys.renew(k, 'slow')).rejects.toThrow(JourneyLeaseLostError);
    await expect(
      journeys.recordStep(k, 'slow', { name: 'refine', status: 'SUCCEEDED', started_at: clock().toISOString() }),
    ).rejects.toThrow(/no longer holds it; it is IN_PROGRESS and held by fresh/);
    await expect(journeys.complete(k, 'slow', { stale: true })).rejects.toBeInstanceOf(JourneyLeaseLostError);
    expect(await journeys.fail(k, 'slow', 'too late')).toMatchObject({ changed: false });
    expect(await journeys.get(k)).toEqual(before);
    await journeys.recordStep(k, 'fresh', { name: 'ingest', status: 'SUCCEEDED', started_at: clock().toISOString() });
    expect(await journeys.complete(k, 'fresh', { rows: 3 })).toMatchObject({ status: 'COMPLETED', owner: 'fresh', result: { rows: 3 } });
    // A holder whose journey completed cannot record more steps either.
    await expect(journeys.recordStep(k, 'fresh', { name: 'late', status: 'SUCCEEDED', started_at: clock().toISOString() })).rejects.toThrow(
      /it is COMPLETED/,
    );
  });

  it('renews the lease for as long as a long wait needs, so nobody takes over meanwhile', async () => {
    const clock = manualClock();
    const journeys = new JourneyController(store, { leaseMs: 60_000, clock });
    const k = key();
    await journeys.begin(k, {}, { force: false, owner: 'glue-waiter' });
    await journeys.renew(k, 'glue-waiter', 2 * 3_600_000);
    clock.advance(3_600_000);
    expect(await journeys.begin(k, {}, { force: false, owner: 'other' })).toMatchObject({ kind: 'in_progress' });
    clock.advance(3_600_001);
    expect(await journeys.begin(k, {}, { force: false, owner: 'other' })).toMatchObject({ kind: 'started' });
  });

  it('keeps a result too big for the item in the result store, and a reference in the item', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'journey-results-'));
    try {
      const results = new FsObjectStore(dir);
      const journeys = new JourneyController(store, { results: { store: results, prefix: '_journeys/' } });
      const k = key();
      await journeys.begin(k, {}, { force: false, owner: 'x' });
      const result = {
        runId: k,
        completed_at: '2024-03-15T03:00:00.000Z',
        sources: Array.from({ length: 5_000 }, (_, i) => ({ source: `s${i}`, rows: -1.5, note: 'ação' })),
      };
      expect(store.sizeOf(result)).toBeGreaterThan(RESULT_MAX_BYTES);
      const completed = await journeys.complete(k, 'x', result);
      expect(completed.result).toMatchObject({
        runId: k,
        completed_at: result.completed_at,
        result_uri: results.uri(`_journeys/${k}.json`),
      });
      expect(JSON.parse(new TextDecoder().decode(await results.get(`_journeys/${k}.json`)))).toEqual(result);
      const small = key();
      await journeys.begin(small, {}, { force: false, owner: 'x' });
      expect((await journeys.complete(small, 'x', { rows: 3 })).result).toEqual({ rows: 3 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('shows the latest journey', async () => {
    const clock = manualClock('2030-01-01T00:00:00.000Z');
    const journeys = new JourneyController(store, { clock });
    const k = key();
    await journeys.begin(k, {}, { force: false, owner: 'x' });
    expect((await store.latest())?.idempotency_key).toBe(k);
  });
});
