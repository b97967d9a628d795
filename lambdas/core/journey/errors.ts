// Errors of journey control (seed 001): each names the journey's idempotency key.
import type { JourneyRecord } from '../../ports/state-stores.js';
import { PermanentError, TransientError } from '../errors.js';

/** Another execution holds the journey's live lease: this one must not run the work. */
export class JourneyInProgressError extends PermanentError {
  constructor(
    readonly runId: string,
    readonly owner?: string,
    readonly leaseExpiresAt?: string,
  ) {
    super(
      'JourneyInProgressError',
      `Journey ${runId} is already running (owner ${owner ?? 'unknown'}, lease until ${leaseExpiresAt ?? 'unknown'}); wait for it, or start again after the lease expires`,
    );
  }
}

export class JourneyNotFoundError extends PermanentError {
  constructor(
    readonly key: string,
    action: string,
  ) {
    super('JourneyNotFoundError', `Cannot ${action} journey ${key}: it was never begun (call begin first)`);
  }
}

/** Gave up after many lost races on one key: a sign of a store that does not honour its conditions. */
export class JourneyContentionError extends TransientError {
  constructor(
    readonly key: string,
    attempts: number,
  ) {
    super(
      'JourneyContentionError',
      `Journey ${key}: ${attempts} conditional writes in a row lost to other callers; check the journey table's consistency`,
    );
  }
}

/**
 * A holder's write found the journey held by another owner (its lease lapsed and another execution took
 * over) or no longer in progress: this holder must stop, and its write changed nothing.
 */
export class JourneyLeaseLostError extends PermanentError {
  constructor(
    readonly key: string,
    readonly owner: string,
    action: string,
    readonly current: Pick<JourneyRecord, 'status' | 'owner' | 'lease_expires_at'>,
  ) {
    super(
      'JourneyLeaseLostError',
      `Cannot ${action} journey ${key}: this execution (${owner}) no longer holds it; it is ${current.status}` +
        `${current.owner && current.owner !== owner ? ` and held by ${current.owner}` : ''}${current.lease_expires_at ? ` (lease until ${current.lease_expires_at})` : ''}. ` +
        'Its lease lapsed while it worked and another execution took over; this one stops and changes nothing.',
    );
  }
}
