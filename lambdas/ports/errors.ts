// The errors the ports promise: every adapter of a port throws these for the cases the port names.
import { PermanentError, TransientError } from '../core/errors.js';

export class ObjectNotFoundError extends PermanentError {
  constructor(readonly uri: string) {
    super('ObjectNotFoundError', `No object at ${uri}`);
  }
}

export class ObjectExistsError extends PermanentError {
  constructor(readonly uri: string) {
    super('ObjectExistsError', `An object already exists at ${uri}; it was not overwritten`);
  }
}

/** An object key no store takes (a `..` segment would leave the store's root). */
export class InvalidObjectKeyError extends PermanentError {
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super('InvalidObjectKeyError', `Key "${key}" ${reason}`);
  }
}

export class CatalogTableNotFoundError extends PermanentError {
  constructor(
    readonly database: string,
    readonly table: string,
  ) {
    super(
      'CatalogTableNotFoundError',
      `Table ${database}.${table} is not in the catalog; deploy the data-lake stack or check the config's database and table names`,
    );
  }
}

export class SecretNotFoundError extends PermanentError {
  constructor(
    readonly secretName: string,
    readonly where: string,
    hint: string,
  ) {
    super('SecretNotFoundError', `Secret "${secretName}" was not found in ${where}; ${hint}`);
  }
}

/** The run is still going when the caller may wait no longer; a later call with the same spec resumes it. */
export class GlueJobStillRunningError extends TransientError {
  /** `resumed`: the run was started by an earlier call, which already reported the wait. */
  constructor(
    readonly jobName: string,
    readonly jobRunId: string,
    readonly state: string,
    waitedSeconds: number,
    readonly resumed = false,
  ) {
    super(
      'GlueJobStillRunningError',
      `Glue job ${jobName} run ${jobRunId} is still ${state} after ${waitedSeconds} s of waiting; the step is retried and resumes waiting on the same run`,
    );
  }
}

/** The Glue run ended in another state than SUCCEEDED: a new run would only repeat it, so no retry starts one. */
export class GlueJobFailedError extends PermanentError {
  constructor(
    readonly jobName: string,
    readonly jobRunId: string,
    readonly state: string,
    detail?: string,
  ) {
    super(
      'GlueJobFailedError',
      `Glue job ${jobName} run ${jobRunId} ended ${state}${detail ? `: ${detail}` : ''}; see the run in the Glue console (CloudWatch log group /aws-glue/jobs)`,
    );
  }
}
