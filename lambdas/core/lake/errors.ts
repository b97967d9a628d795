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
