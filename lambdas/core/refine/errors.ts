// Errors of the refine stage.
import { PermanentError } from '../errors.js';

export class RefineInputError extends PermanentError {
  constructor(message: string) {
    super('RefineInputError', message);
  }
}

/** A bronze part that cannot be read; its key tells which. */
export class BronzeReadError extends PermanentError {
  constructor(
    readonly uri: string,
    detail: string,
  ) {
    super(
      'BronzeReadError',
      `Bronze object ${uri} cannot be read (${detail}); restore it from the bucket's versions or rerun the window's ingestion.`,
    );
  }
}
