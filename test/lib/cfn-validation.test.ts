// The one synth that runs aws-cdk-lib's built-in CloudFormation schema validation (slow: a WASM engine).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../lambdas/core/default-config.js';
import { buildApp } from '../../lib/app.js';
import { NO_BUNDLING, glueScriptForTests } from './cdk-fixtures.js';

const glueScript = glueScriptForTests();
const outdir = mkdtempSync(join(tmpdir(), 'cfn-validate-'));
afterAll(() => {
  glueScript.cleanup();
  rmSync(outdir, { recursive: true, force: true });
});

describe('both stacks of a disposable, prefixed stage', () => {
  it('pass CloudFormation schema validation (errors fail the synth) and cdk-nag AwsSolutions', () => {
    const config = parsePipelineConfig({ ...defaultPipelineConfig, stage: 'qa', storage: { namePrefix: 'acme', disposable: true, bronzeTransitionDays: 30 } });
    const { app } = buildApp({
      config,
      appProps: { outdir, context: { ...NO_BUNDLING, '@aws-cdk/core:strictCfnValidateErrors': true } },
      pipeline: { glueScriptPath: glueScript.path },
    });
    let error: Error | undefined;
    try {
      app.synth();
    } catch (err) {
      error = err as Error;
    }
    expect(error?.message).toBeUndefined();
  });
});
