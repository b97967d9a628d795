// Every error class the pipeline's modules export derives from PipelineError and has the retry class it is
// meant to have; a class missing from the table below fails, so a new error must choose its class.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  isRetryable,
  PERMANENT_ERROR,
  PermanentError,
  PipelineError,
  toStepFunctionsError,
  TransientError,
} from '../../lambdas/core/errors.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The retry class of every exported error: permanent, transient, or decided per instance (by what failed). */
const EXPECTED: Record<string, 'permanent' | 'transient' | 'per instance' | 'base'> = {
  PipelineError: 'base',
  PermanentError: 'base',
  TransientError: 'base',
  InvariantError: 'permanent',
  FaultInjectedError: 'permanent',
  PipelineConfigError: 'permanent',
  UnknownSourceError: 'permanent',
  ExecutionInputError: 'permanent',
  ParquetSchemaError: 'permanent',
  ParquetFormatError: 'permanent',
  ColumnTypeError: 'permanent',
  JourneyInProgressError: 'permanent',
  JourneyNotFoundError: 'permanent',
  JourneyContentionError: 'transient',
  JourneyLeaseLostError: 'permanent',
  PublicationContentionError: 'transient',
  ConservationError: 'permanent',
  IncompatibleSchemaChangeError: 'permanent',
  SchemaChangesRejectedError: 'permanent',
  SchemaLockError: 'permanent',
  MalformedPageError: 'permanent',
  HttpStatusError: 'per instance',
  HttpTimeoutError: 'transient',
  HttpNetworkError: 'transient',
  PaginationLimitError: 'permanent',
  PaginationLoopError: 'permanent',
  ForeignLinkError: 'permanent',
  IngestInputError: 'permanent',
  UnreadableFileError: 'permanent',
  HashIndexFormatError: 'permanent',
  RefineInputError: 'permanent',
  BronzeReadError: 'permanent',
  SchemaDriftError: 'permanent',
  ExpectationFailedError: 'permanent',
  ExpectationConfigError: 'permanent',
  ConsolidationSchemaError: 'permanent',
  SilverFileSchemaError: 'permanent',
  ConsolidationInputError: 'permanent',
  GoldStateInputError: 'permanent',
  GoldStateUnavailableError: 'permanent',
  ConsolidationNotFoundError: 'permanent',
  UnresolvableLocationError: 'permanent',
  GlueRunnerMissingError: 'permanent',
  GlueOutputError: 'permanent',
  ObjectNotFoundError: 'permanent',
  ObjectExistsError: 'permanent',
  InvalidObjectKeyError: 'permanent',
  CatalogTableNotFoundError: 'permanent',
  SecretNotFoundError: 'permanent',
  StepEventError: 'permanent',
  MissingEnvironmentError: 'permanent',
  S3OperationError: 'per instance',
  InvalidS3UriError: 'permanent',
  StateStoreError: 'per instance',
  AthenaQueryError: 'per instance',
  AthenaQueryTimeoutError: 'per instance',
  AthenaRequestError: 'per instance',
  CongregadoContentionError: 'transient',
  InvalidWatermarkError: 'permanent',
  GlueCatalogError: 'permanent',
  LocalCatalogError: 'permanent',
  LocalTableUnreadableError: 'permanent',
  ConfigFileError: 'permanent',
  GlueScriptMissingError: 'permanent',
  GlueJobLimitError: 'permanent',
};

/** Source modules whose exports are walked: everything but entry points that run on import. */
function modules(): string[] {
  const out: string[] = [];
  for (const dir of ['lambdas', 'lib']) {
    for (const entry of readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && entry.name.endsWith('.ts')) out.push(join(entry.parentPath, entry.name));
    }
  }
  return out.sort();
}

async function exportedErrorClasses(): Promise<Map<string, { cls: abstract new (...args: never[]) => Error; file: string }>> {
  const found = new Map<string, { cls: abstract new (...args: never[]) => Error; file: string }>();
  for (const file of modules()) {
    const exports = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(exports)) {
      if (typeof value === 'function' && value.prototype instanceof Error)
        found.set(name, { cls: value as abstract new (...args: never[]) => Error, file: relative(ROOT, file) });
    }
  }
  return found;
}

describe('the error model', () => {
  it('has every exported error class derive from PipelineError, each with its declared retry class', async () => {
    const classes = await exportedErrorClasses();
    expect([...classes.keys()].sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const [name, { cls, file }] of classes) {
      const expected = EXPECTED[name];
      expect(
        (cls as unknown) === PipelineError || cls.prototype instanceof PipelineError,
        `${name} (${file}) derives from PipelineError`,
      ).toBe(true);
      if (expected === 'permanent') expect(cls.prototype instanceof PermanentError, `${name} is permanent`).toBe(true);
      if (expected === 'transient') expect(cls.prototype instanceof TransientError, `${name} is transient`).toBe(true);
      if (expected === 'per instance')
        expect(cls.prototype instanceof PermanentError || cls.prototype instanceof TransientError, `${name} decides per instance`).toBe(
          false,
        );
    }
  }, 120_000);

  it("keeps each error in its stage's errors file", async () => {
    const classes = await exportedErrorClasses();
    const places = new Set([...classes.values()].map((c) => c.file));
    for (const file of places)
      expect(file, 'an errors file (or the base, the config, the plan, the env)').toMatch(
        /(^|\/)errors\.ts$|core\/config\.ts$|core\/plan\.ts$|core\/faults\.ts$|handlers\/env\.ts$|lib\/config-loader\.ts$|lib\/constructs\/consolidate-glue-job\.ts$/,
      );
  }, 120_000);

  it('surfaces non-retryable errors under one name and lets the rest through unchanged', () => {
    class Wrong extends PermanentError {
      constructor() {
        super('Wrong', 'the input is wrong');
      }
    }
    class Busy extends TransientError {
      constructor() {
        super('Busy', 'try later');
      }
    }
    const surfaced = toStepFunctionsError(new Wrong());
    expect([surfaced.name, surfaced.message]).toEqual([PERMANENT_ERROR, 'Wrong: the input is wrong']);
    const busy = new Busy();
    expect(toStepFunctionsError(busy)).toBe(busy);
    const sdk = Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
    expect(isRetryable(sdk)).toBe(true);
    expect(toStepFunctionsError(sdk)).toBe(sdk);
  });
});
