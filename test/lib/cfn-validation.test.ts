// The one synth that runs aws-cdk-lib's built-in CloudFormation schema validation (slow: a WASM engine), over
// the resources this project declares with L1 constructs: Glue databases, tables, job and security
// configuration, the Athena workgroup and named queries, besides the buckets and tables.
import { App, Stack } from 'aws-cdk-lib';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../lambdas/core/default-config.js';
import { ConsolidateGlueJob } from '../../lib/constructs/consolidate-glue-job.js';
import { DataLakeStack } from '../../lib/data-lake-stack.js';
import { glueScriptForTests } from './cdk-fixtures.js';

const glueScript = glueScriptForTests();
const outdir = mkdtempSync(join(tmpdir(), 'cfn-validate-'));
afterAll(() => {
  glueScript.cleanup();
  rmSync(outdir, { recursive: true, force: true });
});

describe('the data lake and the Glue job of a disposable, prefixed stage', () => {
  it('pass CloudFormation schema validation, errors failing the synth', () => {
    const config = parsePipelineConfig({
      ...defaultPipelineConfig,
      stage: 'qa',
      storage: { namePrefix: 'acme', disposable: true, bronzeTransitionDays: 30 },
    });
    const app = new App({ outdir, context: { '@aws-cdk/core:strictCfnValidateErrors': true } });
    const lake = new DataLakeStack(app, 'Lake', { config });
    new ConsolidateGlueJob(new Stack(app, 'Job'), 'Consolidate', {
      config,
      scriptPath: glueScript.path,
      silverBucket: lake.silverBucket,
      goldBucket: lake.goldBucket,
      silverDatabase: lake.catalog.silverDatabaseName,
    });
    let error: Error | undefined;
    try {
      app.synth();
    } catch (err) {
      error = err as Error;
    }
    expect(error?.message).toBeUndefined();
    // About 10 s of CPU, most of it starting the validation engine; more when the machine is busy.
  }, 120_000);
});
