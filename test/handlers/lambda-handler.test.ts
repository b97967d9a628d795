import { describe, expect, it } from 'vitest';
import { GLUE_WAIT_MS, glueWaitMs } from '../../lambdas/core/consolidate/consolidate-table.js';
import { ExecutionInputError } from '../../lambdas/core/plan.js';
import { PERMANENT_ERROR } from '../../lambdas/core/errors.js';
import { HttpStatusError } from '../../lambdas/core/ingest/errors.js';
import { lambdaHandler } from '../../lambdas/handlers/lambda-handler.js';
import type { StepContext } from '../../lambdas/steps/types.js';

describe('lambdaHandler', () => {
  it('passes the Lambda context to the step, which bounds a Glue wait by it: four minutes at most, and a minute short of its timeout', async () => {
    const waits: number[] = [];
    const handler = lambdaHandler(
      'consolidate',
      async (_event, context?: StepContext) => void waits.push(glueWaitMs(context && (() => context.getRemainingTimeInMillis()))),
    );
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

  it('passes a retryable step error on to the state machine unchanged', async () => {
    const failure = Object.assign(new Error('boom'), { name: 'HttpError' });
    await expect(lambdaHandler('ingest', async () => Promise.reject(failure))({})).rejects.toBe(failure);
    const throttled = new HttpStatusError('sor', 'https://api/x', 503, 'busy', 4);
    await expect(lambdaHandler('ingest', async () => Promise.reject(throttled))({})).rejects.toBe(throttled);
  });

  it('surfaces a permanent error under the one PermanentError name, its class and message kept in the message and cause', async () => {
    const wrong = new ExecutionInputError([{ path: 'from', message: 'expected YYYY-MM-DD' }]);
    const surfaced = await lambdaHandler('plan', async () => Promise.reject(wrong))({}).catch((e: unknown) => e as Error);
    expect(surfaced.name).toBe(PERMANENT_ERROR);
    expect(surfaced.message).toMatch(/^ExecutionInputError: Invalid execution input: from: expected YYYY-MM-DD/);
    expect(surfaced.cause).toBe(wrong);
    const unauthorized = new HttpStatusError('sor', 'https://api/x', 401, 'no', 1);
    expect((await lambdaHandler('ingest', async () => Promise.reject(unauthorized))({}).catch((e: unknown) => e as Error)).name).toBe(
      PERMANENT_ERROR,
    );
  });
});
