// Errors of the CDK app that stop a synth: a deployment the pipeline's limits say cannot work.
import { PermanentError } from '../lambdas/core/errors.js';

/** One execution could ask Glue for more runs at once than the job allows, or wait on a run longer than it may last. */
export class GlueJobLimitError extends PermanentError {
  constructor(message: string) {
    super('GlueJobLimitError', message);
  }
}

/** A schema lock file that cannot be used: not JSON, or not the lock's shape. */
export class SchemaLockError extends PermanentError {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(
      'SchemaLockError',
      `Schema lock ${path} is unusable: ${reason}. Restore it from version control, or delete it to lock the config's current columns`,
    );
  }
}
