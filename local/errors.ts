// Errors of the local runner (npm start, npm run query): each says what is wrong and what to do.
import { PermanentError } from '../lambdas/core/errors.js';
import { describeLocalProcess, type LocalProcess } from './local-process.js';

/** Another live process runs the pipeline on this data folder: two runs would share dynalite's files and the lake. */
export class DataFolderBusyError extends PermanentError {
  constructor(
    readonly dataDir: string,
    readonly holder: LocalProcess,
  ) {
    super(
      'DataFolderBusyError',
      `Data folder ${dataDir} is in use by ${describeLocalProcess(holder)}; wait for that run to end, or give this one another --data-dir`,
    );
  }
}

/** The data folder's lock could not be taken after many tries (other processes kept taking it over). */
export class DataFolderLockError extends PermanentError {
  constructor(
    readonly lockFile: string,
    reason: string,
  ) {
    super('DataFolderLockError', `Cannot lock the data folder (${lockFile}): ${reason}`);
  }
}

/** A wrong command line: an option missing its companion, a bad value. Printed with the usage; exit code 2. */
export class CommandLineError extends PermanentError {
  constructor(message: string) {
    super('CommandLineError', message);
  }
}

/** `npm run query -- --named` with a query or table the config does not have. */
export class NamedQueryError extends PermanentError {
  constructor(message: string) {
    super('NamedQueryError', message);
  }
}

/** `npm run query` or `npm run runs` on a data folder no local run has written to. */
export class NoLocalLakeError extends PermanentError {
  constructor(readonly dataDir: string) {
    super(
      'NoLocalLakeError',
      `No local run has written to ${dataDir} (it has no catalog.json): run \`npm start -- --data-dir ${dataDir}\` (with your --config) first, or point --data-dir at the folder a run used`,
    );
  }
}
