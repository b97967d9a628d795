// The errors the ports promise: every adapter of a port throws these for the cases the port names.
import { PermanentError } from '../core/errors.js';

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
