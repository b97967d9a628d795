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

/** A source set to `onDrift: fail` whose records drifted from its declared fields; the partition was not published. */
export class SchemaDriftError extends PermanentError {
  constructor(
    readonly source: string,
    readonly anomesdia: string,
    drift: string,
    records: number,
  ) {
    super(
      'SchemaDriftError',
      `Source ${source}, anomesdia ${anomesdia}: ${records} bronze record(s) drifted from the declared fields (${drift}) and the source has onDrift: fail. ` +
        'Nothing was published for this partition and its bronze is kept: declare the fields in the source, or set its onDrift to warn or ignore ' +
        '(keepExtra: true keeps undeclared keys in an _extra column), then rerun the window.',
    );
  }
}
