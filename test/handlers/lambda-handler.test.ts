import { describe, expect, it } from 'vitest';
import { ExecutionInputError } from '../../lambdas/core/plan.js';
import { PERMANENT_ERROR } from '../../lambdas/core/errors.js';
import { HttpStatusError } from '../../lambdas/core/ingest/errors.js';
import { lambdaHandler } from '../../lambdas/handlers/lambda-handler.js';
import type { StepContext } from '../../lambdas/steps/types.js';

describe('lambdaHandler', () => {
  it('passes the Lambda context to the step', async () => {
    const seen: (number | undefined)[] = [];
    const handler = lambdaHandler(
      'consolidate',
      async (_event, context?: StepContext) => void seen.push(context?.getRemainingTimeInMillis()),
    );
    await handler({}, { getRemainingTimeInMillis: () => 14 * 60_000 });
    await handler({});
    expect(seen).toEqual([14 * 60_000, undefined]);
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
