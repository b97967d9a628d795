// Wraps a step as a Lambda handler: one structured log line of its end or error, the Lambda context
// passed to the step, and every error surfaced to Step Functions in the one error model's form.
import { Logger } from '@aws-lambda-powertools/logger';
import { describeError, isRetryable, toStepFunctionsError } from '../core/errors.js';
import type { StepContext } from '../steps/types.js';

// The deployment sets POWERTOOLS_SERVICE_NAME to serviceName(config) (lib/constructs/pipeline-functions.ts).
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'medallion-pipeline' });

export function lambdaHandler<T>(
  step: string,
  run: (event: unknown, context?: StepContext) => Promise<T>,
): (event: unknown, context?: StepContext) => Promise<T> {
  return async (event, context) => {
    logger.appendKeys({ step });
    const started = Date.now();
    try {
      const result = await run(event, context);
      logger.info('step succeeded', { duration_ms: Date.now() - started });
      return result;
    } catch (err) {
      // Logged once here; the state machine receives the error as the function's result.
      logger.error('step failed', { duration_ms: Date.now() - started, error: describeError(err), retryable: isRetryable(err) });
      throw toStepFunctionsError(err);
    }
  };
}
