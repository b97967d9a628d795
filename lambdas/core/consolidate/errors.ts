// Errors of the consolidation stage: each names the table, origin or column and what to do.
import type { PipelineConfig } from '../config.js';
import { PermanentError } from '../errors.js';

/** Two origins (or an origin and the gold table) give one column different types. */
export class ConsolidationSchemaError extends PermanentError {
  constructor(
    readonly origem: string,
    readonly column: string,
    readonly expectedType: string,
    readonly actualType: string,
    readonly expectedFrom: string,
    /** The consolidated table, when the error is found before its data is read (`database.tabela`). */
    readonly table?: string,
  ) {
    super(
      'ConsolidationSchemaError',
      `${table ? `Consolidation ${table}: ` : ''}Origin "${origem}" has column "${column}" as ${actualType}, but ${expectedFrom} has it as ${expectedType}; ` +
        'declare one type for the column in every origin (or cast it in Refine)',
    );
  }
}

/** An input the rules cannot apply to: an unknown origin, or a key or decision column absent from every origin. */
export class ConsolidationInputError extends PermanentError {
  constructor(message: string) {
    super('ConsolidationInputError', message);
  }
}

export class ConsolidationNotFoundError extends PermanentError {
  constructor(database: string, tabela: string, config: PipelineConfig) {
    super(
      'ConsolidationNotFoundError',
      `No consolidation ${database}.${tabela} in the config; declared: ${config.consolidations.map((c) => `${c.database}.${c.tabela_consolidada}`).join(', ') || 'none'}`,
    );
  }
}

export class UnresolvableLocationError extends PermanentError {
  constructor(
    readonly location: string,
    stores: string[],
  ) {
    super(
      'UnresolvableLocationError',
      `Location ${location} is in none of the stores (${stores.join(', ')}); point it into one of them or pass resolveOutput`,
    );
  }
}

export class GlueRunnerMissingError extends PermanentError {
  constructor(table: string, reason: string) {
    super(
      'GlueRunnerMissingError',
      `Consolidation ${table} must run on Glue (${reason}) but no Glue runner is configured; set engine to "lambda" or deploy the Glue job`,
    );
  }
}

/**
 * A silver file that lacks a column the consolidation cannot do without (a key, a decision field or a
 * required field), or holds a declared column with another type: read on, its rows would carry nulls
 * or wrong values into the choice of winners.
 */
export class SilverFileSchemaError extends PermanentError {
  constructor(
    readonly file: string,
    readonly origem: string,
    readonly column: string,
    /** What is wrong with the column, e.g. `is missing; it is a decision field (campos_decisao)`. */
    readonly problem: string,
    /** The consolidated table (`database.tabela`). */
    readonly table: string,
  ) {
    super(
      'SilverFileSchemaError',
      `Consolidation ${table}: silver file ${file} of origin "${origem}" column "${column}" ${problem}. Nothing was published. ` +
        `Rebuild the partition with Refine (rerun the window of source "${origem}"), or move the file out of the partition if another tool wrote it.`,
    );
  }
}

/** A succeeded Glue run whose output folder is not what the job writes: publishing it could lose rows silently. */
export class GlueOutputError extends PermanentError {
  constructor(
    readonly location: string,
    detail: string,
  ) {
    super(
      'GlueOutputError',
      `The Glue run's output ${location} ${detail}; the partition was not published. Check the run in the Glue console, then rerun the partition (a new execution)`,
    );
  }
}
