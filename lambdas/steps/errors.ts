// Errors of the application layer: a step event that is not what the state machine sends.
import type { z } from 'zod';
import { PermanentError } from '../core/errors.js';

/** A step event that does not have the shape the state machine sends. */
export class StepEventError extends PermanentError {
  constructor(step: string, issues: readonly Pick<z.core.$ZodIssue, 'path' | 'message'>[]) {
    super('StepEventError', `Invalid ${step} event: ${issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
}
