// Errors of the application layer: a step event that is not what the state machine sends.
import type { z } from 'zod';
import { PermanentError } from '../core/errors.js';

/** A step event that does not have the shape the state machine sends. */
export class StepEventError extends PermanentError {
  constructor(step: string, issues: readonly Pick<z.core.$ZodIssue, 'path' | 'message'>[]) {
    super('StepEventError', `Invalid ${step} event: ${issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
}

/** A consolidation keeps state tables, and the runtime has no engine to run their SQL (an Athena workgroup in AWS). */
export class GoldStateUnavailableError extends PermanentError {
  constructor(consolidation: string) {
    super(
      'GoldStateUnavailableError',
      `${consolidation} keeps a current-state or history table, and this runtime has no engine for its SQL; deploy the function with the PipelineStack, which sets ATHENA_WORKGROUP`,
    );
  }
}
