// Errors of the gold state tables (current state, history): each names the table and what to do.
import { PermanentError } from '../errors.js';

/** A state table's statement cannot be built from what it was given: a missing column, a bad day, a bad marker value. */
export class GoldStateInputError extends PermanentError {
  constructor(message: string) {
    super('GoldStateInputError', `${message}; check the consolidation's currentState, history and deleteMarker in the config`);
  }
}
