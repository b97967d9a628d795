// Errors of the lake's partitions: publication and the conservation of rows between layers.
import { PermanentError, TransientError } from '../errors.js';

/** Many publishers of one partition in a row got in first: a sign of a table that does not honour its conditions. */
export class PublicationContentionError extends TransientError {
  constructor(
    readonly partition: string,
    attempts: number,
  ) {
    super(
      'PublicationContentionError',
      `Partition ${partition}: ${attempts} conditional writes in a row lost to other publishers; check the partition versions table`,
    );
  }
}

/**
 * What a step read of a partition is not what its writer recorded (a file deleted, truncated or replaced
 * since): the step publishes nothing, naming the partition, what was expected and what was read.
 */
export class ConservationError extends PermanentError {
  constructor(
    readonly partition: string,
    readonly expected: string,
    readonly read: string,
    detail: string,
  ) {
    super(
      'ConservationError',
      `Partition ${partition}: expected ${expected}, read ${read} (${detail}); nothing was published. ` +
        "Rebuild the partition from its source (a forced backfill of its day), or restore the file from the bucket's versions.",
    );
  }
}

/**
 * A config change to a catalog table's column that its old partitions cannot be read under: a narrowing or
 * another type (long -> integer, string -> integer, a decimal's scale down), or a partition key changed.
 */
export class IncompatibleSchemaChangeError extends PermanentError {
  constructor(
    readonly table: string,
    readonly column: string,
    readonly from: string,
    readonly to: string,
  ) {
    super(
      'IncompatibleSchemaChangeError',
      `Table ${table} column "${column}": the config changes its type from ${from} to ${to}, which the partitions written as ` +
        `${from} cannot be read as. Restore ${from} (or a type it widens to: integer -> long -> double, a decimal with at least ` +
        `as many digits before and after the point), or put the new type under a new column name or into a new table and backfill it`,
    );
  }
}

/**
 * Every incompatible change of one config against the tables it had, in one error: nothing was changed.
 * `where` names what was compared (the schema lock, the local catalog); `escape` how to accept the changes on purpose.
 */
export class SchemaChangesRejectedError extends PermanentError {
  constructor(
    readonly changes: readonly IncompatibleSchemaChangeError[],
    where: string,
    escape: string,
  ) {
    super(
      'SchemaChangesRejectedError',
      `${changes.length} incompatible schema change(s) against ${where}; nothing was changed.\n` +
        `${changes.map((c) => `  - ${c.message}.`).join('\n')}\n${escape}`,
    );
  }
}
