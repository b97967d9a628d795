import { describe, expect, it } from 'vitest';
import { GLUE_WAIT_MS, glueWaitMs, lambdaHandler } from '../../lambdas/handlers/runtime.js';

describe('lambdaHandler', () => {
  it('bounds the Glue wait by the invocation: four minutes at most, and a minute short of its timeout', async () => {
    const waits: number[] = [];
    const handler = lambdaHandler('consolidate', async () => void waits.push(glueWaitMs()));
    await handler({}, { getRemainingTimeInMillis: () => 14 * 60_000 });
    await handler({}, { getRemainingTimeInMillis: () => 2 * 60_000 });
    await handler({}, { getRemainingTimeInMillis: () => 30_000 });
    await handler({});
    expect(waits[0]).toBe(GLUE_WAIT_MS);
    expect(waits[1]).toBeGreaterThan(59_000);
    expect(waits[1]).toBeLessThanOrEqual(60_000);
    expect(waits[2]).toBe(0);
    expect(waits[3]).toBe(GLUE_WAIT_MS);
  });

  it('passes the step error on to the state machine unchanged', async () => {
    const failure = Object.assign(new Error('boom'), { name: 'HttpError' });
    await expect(lambdaHandler('ingest', async () => Promise.reject(failure))({})).rejects.toBe(failure);
  });
});
