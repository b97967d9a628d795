// Journey control (seed 001): idempotent executions keyed by `idempotency_key`, guarded by a lease, with
// every step and failure recorded. Built on conditional writes only (no transactions). Retries of a step
// are the state machine's (its Retry blocks); a failed execution's journey may be begun again.
import { JourneyContentionError, JourneyLeaseLostError, JourneyNotFoundError } from './errors.js';
import type { ObjectStore } from '../../ports/object-store.js';
import type {
  BeginOutcome,
  JourneyAttempt,
  JourneyExpectation,
  JourneyPort,
  JourneyRecord,
  JourneyStore,
  StepRecord,
} from '../../ports/state-stores.js';

export interface JourneyControllerOptions {
  jobName?: string;
  /** How long a holder keeps a journey without recording a step; after that another caller may take over. Default 15 minutes. */
  leaseMs?: number;
  /** Days a journey is kept (sets the `expires_at` TTL attribute). Default 90. */
  ttlDays?: number;
  clock?: () => Date;
  /** Where results too big for the journey item go (`<prefix><key>.json`); without one, such a result is only summarised. */
  results?: { store: ObjectStore; prefix: string };
  /**
   * Why the holder of a live lease is gone (its process no longer runs), or undefined when it may still be
   * running; consulted only when another owner's lease is live, and a gone holder's journey is taken over at
   * once instead of after its lease. It gets the whole journey, so that it can read what `ownerProcess`
   * recorded. The local runtime passes one; in AWS there is none, and a lease always runs its course.
   */
  ownerGone?: (journey: JourneyRecord) => string | undefined;
  /** What the caller records about itself in each journey it begins (`metadata.owner_process`), for ownerGone to read. */
  ownerProcess?: Record<string, unknown>;
}

export interface BeginOptions {
  force: boolean;
  owner: string;
  metadata?: Record<string, unknown>;
}

const MAX_RACES = 10;

/**
 * Bytes one step may take in the journey item (400 KB in all): about 80 steps fit. Long object lists and
 * messages are cut to fit; the run manifests keep the full lists.
 */
export const STEP_MAX_BYTES = 4_096;
/** Bytes all steps of a journey may take: the rest of the 400 KB item holds the params and the run's result. */
export const STEPS_MAX_BYTES = 200_000;
const TEXT_MAX_CHARS = 1_000;

/**
 * Bytes a run's result may take in the journey item; a larger one goes to the result store and the item
 * keeps where it is. With STEPS_MAX_BYTES of steps, the params and the attempts, the item stays under 400 KB.
 */
export const RESULT_MAX_BYTES = 150_000;

/** The step as stored: undefined fields dropped, long texts cut, objects trimmed to the byte budget (by the store's `size`). */
function boundStep(step: StepRecord, size: (s: StepRecord) => number, maxBytes = STEP_MAX_BYTES): StepRecord {
  const bounded = Object.fromEntries(Object.entries(step).filter(([, v]) => v !== undefined)) as StepRecord;
  for (const field of ['message', 'error'] as const) {
    const text = bounded[field];
    if (text && text.length > TEXT_MAX_CHARS)
      bounded[field] = `${text.slice(0, TEXT_MAX_CHARS)}... (${text.length - TEXT_MAX_CHARS} more characters)`;
  }
  const objects = bounded.objects;
  if (!objects || size(bounded) <= maxBytes) return bounded;
  const kept: string[] = [];
  const note = (dropped: number) => ({
    ...bounded,
    objects: kept,
    message: [bounded.message, `${dropped} more object(s) not listed`].filter(Boolean).join('; '),
  });
  for (const object of objects) {
    kept.push(object);
    if (size(note(objects.length - kept.length)) > maxBytes) {
      kept.pop();
      break;
    }
  }
  return note(objects.length - kept.length);
}

/** Earlier attempts kept in a journey item. */
export const JOURNEY_ATTEMPTS_KEPT = 10;

/** A journey about to be taken over, as an earlier attempt. */
function attemptOf(existing: JourneyRecord): JourneyAttempt {
  const abandoned = existing.status === 'IN_PROGRESS' || existing.status === 'PENDING';
  return {
    ...(existing.owner ? { owner: existing.owner } : {}),
    status: abandoned ? 'ABANDONED' : existing.status,
    started_at: existing.started_at,
    ended_at: existing.completed_at ?? existing.updated_at,
    ...(existing.error ? { error: existing.error.slice(0, 1_000) } : {}),
    ...(existing.step ? { step: existing.step } : {}),
  };
}

export class JourneyController implements JourneyPort {
  readonly jobName: string;
  private readonly leaseMs: number;
  private readonly ttlDays: number;
  private readonly clock: () => Date;
  private readonly results?: { store: ObjectStore; prefix: string };
  private readonly ownerGone?: (journey: JourneyRecord) => string | undefined;
  private readonly ownerProcess?: Record<string, unknown>;

  constructor(
    private readonly store: JourneyStore,
    options: JourneyControllerOptions = {},
  ) {
    this.jobName = options.jobName ?? 'medallion-pipeline';
    this.leaseMs = options.leaseMs ?? 15 * 60_000;
    this.ttlDays = options.ttlDays ?? 90;
    this.clock = options.clock ?? (() => new Date());
    this.results = options.results;
    this.ownerGone = options.ownerGone;
    this.ownerProcess = options.ownerProcess;
  }

  get(key: string): Promise<JourneyRecord | undefined> {
    return this.store.get(key);
  }

  /**
   * Begins the journey of `key`. Exactly one of many concurrent callers gets `started`; a COMPLETED journey
   * gives `completed` (force restarts it); a live lease of another owner gives `in_progress`, unless
   * `ownerGone` says that owner is gone; a gone owner's journey, an expired lease or a FAILED journey is
   * taken over by exactly one caller. The holder's own owner may begin again while it holds the lease (a
   * retried Plan of the same execution), which renews the lease.
   */
  async begin(key: string, params: Record<string, unknown>, options: BeginOptions): Promise<BeginOutcome> {
    for (let race = 0; race < MAX_RACES; race++) {
      const now = this.clock();
      const existing = await this.store.get(key);
      if (!existing) {
        const journey = this.fresh(key, params, options, now, 0);
        if (await this.store.put(journey)) return { kind: 'started', journey };
        continue;
      }
      const expected: JourneyExpectation = { status: existing.status, retry_count: existing.retry_count };
      let gone: string | undefined;
      if (existing.status === 'COMPLETED' && !options.force) return { kind: 'completed', journey: existing };
      if (existing.status === 'IN_PROGRESS' || existing.status === 'PENDING') {
        const leaseLive = existing.lease_expires_at !== undefined && existing.lease_expires_at > now.toISOString();
        expected.owner = existing.owner ?? null;
        expected.lease_expires_at = existing.lease_expires_at ?? null;
        if (leaseLive && existing.owner === options.owner) {
          const renewed = await this.store.update(key, { set: this.leaseFields(now) }, expected);
          if (renewed) return { kind: 'started', journey: renewed };
          continue;
        }
        gone = leaseLive ? this.ownerGone?.(existing) : undefined;
        if (leaseLive && gone === undefined) return { kind: 'in_progress', journey: existing };
      }
      // FAILED, forced COMPLETED, a gone owner or a lapsed lease: restart, conditional on the state just read.
      const journey = this.fresh(key, params, options, now, existing.retry_count + 1);
      journey.started_at = now.toISOString();
      journey.attempts = [...(existing.attempts ?? []), attemptOf(existing)].slice(-JOURNEY_ATTEMPTS_KEPT);
      if (gone !== undefined) {
        journey.error = `Owner ${existing.owner ?? 'unknown'} is gone (${gone}); its lease until ${existing.lease_expires_at} was taken over by ${options.owner}`;
      } else if (existing.status === 'IN_PROGRESS' || existing.status === 'PENDING') {
        journey.error = `Lease of ${existing.owner ?? 'an unknown owner'} expired at ${existing.lease_expires_at ?? '(none)'}; taken over by ${options.owner}`;
      } else if (existing.status === 'FAILED') {
        journey.error = existing.error;
      }
      if (await this.store.put(journey, expected)) return { kind: 'started', journey };
    }
    throw new JourneyContentionError(key, MAX_RACES);
  }

  /**
   * Renews the holder's lease, for `leaseMs` [the controller's lease] from now: a step renews it when it
   * starts, and before handing a long wait (a Glue run) to the state machine for as long as that wait may
   * last. Throws JourneyLeaseLostError when another owner has taken the journey over.
   */
  async renew(key: string, owner: string, leaseMs = this.leaseMs): Promise<void> {
    const now = this.clock();
    const renewed = await this.store.update(key, { set: this.leaseFields(now, leaseMs) }, { owner, status: 'IN_PROGRESS' });
    if (!renewed) await this.lost(key, owner, 'renew the lease of');
  }

  /**
   * Appends a step (seed 002's processing log entry) of the holder `owner`, sets `step` to its name and
   * renews the lease. Once the steps take STEPS_MAX_BYTES, a step is only counted in `steps_not_listed`: a
   * year's backfill records a step per gold partition, and the journey item must stay under DynamoDB's
   * 400 KB. A stale holder (another owner took over) gets JourneyLeaseLostError and changes nothing.
   */
  async recordStep(key: string, owner: string, step: StepRecord): Promise<void> {
    const now = this.clock();
    const size = (s: StepRecord) => this.store.sizeOf(s) + 1;
    const bounded = boundStep(step, size);
    const set = { step: step.name, ...this.leaseFields(now) };
    const held = { owner, status: 'IN_PROGRESS' as const };
    const appended = await this.store.update(
      key,
      { appendStep: bounded, stepBytes: size(bounded), set },
      { ...held, stepBytesBelow: STEPS_MAX_BYTES },
    );
    if (appended) return;
    const counted = await this.store.update(key, { countStepNotListed: true, set }, held);
    if (!counted) await this.lost(key, owner, `record step "${step.name}" of`);
  }

  /** Marks the holder's journey COMPLETED with its result and releases the lease; a stale holder gets JourneyLeaseLostError. */
  async complete(key: string, owner: string, result: unknown): Promise<JourneyRecord> {
    const now = this.clock().toISOString();
    const stored = await this.storedResult(key, result ?? null);
    const updated = await this.store.update(
      key,
      {
        set: {
          status: 'COMPLETED',
          step: 'completed',
          result: stored,
          completed_at: now,
          updated_at: now,
          expires_at: this.expiresAt(),
        },
        remove: ['lease_expires_at', 'error'],
      },
      { owner, status: 'IN_PROGRESS' },
    );
    if (!updated) return this.lost(key, owner, 'complete');
    return updated;
  }

  /**
   * Marks the holder's journey FAILED with the error and releases the lease. A COMPLETED journey stays
   * COMPLETED, and a journey another owner holds now is left as it is: `changed` says which happened.
   */
  async fail(key: string, owner: string, error: string): Promise<{ journey: JourneyRecord; changed: boolean }> {
    const now = this.clock().toISOString();
    const updated = await this.store.update(
      key,
      { set: { status: 'FAILED', error, updated_at: now, expires_at: this.expiresAt() }, remove: ['lease_expires_at'] },
      { owner, status: 'IN_PROGRESS' },
    );
    if (updated) return { journey: updated, changed: true };
    const current = await this.store.get(key);
    if (!current) throw new JourneyNotFoundError(key, 'fail');
    return { journey: current, changed: false };
  }

  /**
   * The result as the item keeps it: itself, or, above RESULT_MAX_BYTES, a reference to the whole result
   * written to the result store, with the result's own top-level scalar fields (run id, times) beside it.
   */
  private async storedResult(key: string, result: unknown): Promise<unknown> {
    const bytes = this.store.sizeOf(result);
    if (bytes <= RESULT_MAX_BYTES) return result;
    const summary = Object.fromEntries(Object.entries((result ?? {}) as Record<string, unknown>).filter(([, v]) => typeof v !== 'object'));
    if (!this.results)
      return { ...summary, result_bytes: bytes, result_not_kept: `the result took ${bytes} bytes, more than a journey keeps` };
    const objectKey = `${this.results.prefix}${key}.json`;
    await this.results.store.put(objectKey, JSON.stringify(result), { contentType: 'application/json' });
    return { ...summary, result_bytes: bytes, result_uri: this.results.store.uri(objectKey) };
  }

  /** Why a holder's conditional write did not apply: the journey is gone, or another owner (or state) holds it now. */
  private async lost(key: string, owner: string, action: string): Promise<never> {
    const current = await this.store.get(key);
    if (!current) throw new JourneyNotFoundError(key, action);
    throw new JourneyLeaseLostError(key, owner, action, current);
  }

  private fresh(key: string, params: Record<string, unknown>, options: BeginOptions, now: Date, retryCount: number): JourneyRecord {
    return {
      idempotency_key: key,
      job_name: this.jobName,
      status: 'IN_PROGRESS',
      params,
      step: 'started',
      steps: [],
      retry_count: retryCount,
      started_at: now.toISOString(),
      owner: options.owner,
      metadata: this.ownerProcess ? { ...options.metadata, owner_process: this.ownerProcess } : options.metadata,
      ...this.leaseFields(now),
    };
  }

  private leaseFields(now: Date, leaseMs = this.leaseMs) {
    return {
      updated_at: now.toISOString(),
      lease_expires_at: new Date(now.getTime() + leaseMs).toISOString(),
      expires_at: this.expiresAt(now),
    };
  }

  private expiresAt(now = this.clock()): number {
    return Math.floor(now.getTime() / 1000) + this.ttlDays * 86_400;
  }
}
