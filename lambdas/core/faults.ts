// Named fault points: places where a crash would leave the lake half-written, marked in the code so that
// the reliability suite can stop a run exactly there and prove the rerun recovers. Inert unless a test
// arms one; an armed point throws FaultInjectedError (or runs the test's action) when the run reaches it.
import { PermanentError } from './errors.js';

export const FAULT_POINTS = [
  /** Bronze parts written, their hash index (the commit) not yet. */
  'ingest:after-parts',
  /** Hash indexes written, the run manifest not yet. */
  'ingest:after-index',
  /** The manifest written, the ingest step not yet recorded (and so the watermark not advanced). */
  'ingest:after-manifest',
  /** A dropped file's rows committed to bronze, the file not yet moved to done/. */
  'ingest:before-file-move',
  /** Silver parts written, the version not yet published. */
  'refine:before-publish',
  /** The gold part written, its quarantine not yet. */
  'consolidate:mid-write',
  /** Gold written, the version not yet published. */
  'consolidate:before-publish',
  /** Gold published, the congregado not yet saved. */
  'consolidate:before-congregado',
  /** While the Glue job runs. */
  'consolidate:during-glue',
  /** Every partition consolidated and its congregado saved, the journey not yet completed. */
  'complete:before-complete',
] as const;
export type FaultPoint = (typeof FAULT_POINTS)[number];

/** The crash a test asked for at a fault point. Permanent, so that the state machine stops the run there. */
export class FaultInjectedError extends PermanentError {
  constructor(readonly point: FaultPoint) {
    super('FaultInjectedError', `Simulated crash at fault point ${point}`);
  }
}

const armed = new Map<FaultPoint, () => void | Promise<void>>();

/** Arms a fault point for the next time a run reaches it (once); by default the run crashes there. */
export function armFault(
  point: FaultPoint,
  action: () => void | Promise<void> = () => Promise.reject(new FaultInjectedError(point)),
): void {
  armed.set(point, action);
}

export function disarmFaults(): void {
  armed.clear();
}

/** Marks a fault point: nothing happens unless a test armed it. */
export async function faultPoint(point: FaultPoint): Promise<void> {
  const action = armed.get(point);
  if (!action) return;
  armed.delete(point);
  await action();
}
