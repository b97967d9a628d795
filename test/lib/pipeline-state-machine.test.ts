import { App, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePipelineConfig, type PipelineConfigInput } from '../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../lambdas/core/default-config.js';
import { STATE_NAMES } from '../../lib/constructs/pipeline-state-machine.js';
import { GlueJobLimitError } from '../../lib/errors.js';
import { PipelineStack } from '../../lib/pipeline-stack.js';
import { synthesizePipeline } from '../../local/state-machine.js';
import { FAST_APP, glueScriptForTests } from './cdk-fixtures.js';

// asl-validator (the validator aws-local-stepfunctions runs too) ships no types.
const validateAsl = createRequire(import.meta.url)('asl-validator') as (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };

const glueScript = glueScriptForTests();
afterAll(() => glueScript.cleanup());

const operations = defaultPipelineConfig.consolidations![0]!;
/** The default config with `n` consolidations of the demo operations, under other table names. */
function withConsolidations(n: number, extra: Partial<PipelineConfigInput> = {}): PipelineConfigInput {
  return {
    ...defaultPipelineConfig,
    consolidations: Array.from({ length: n }, (_, i) => ({ ...operations, tabela_consolidada: `${operations.tabela_consolidada}_${i}` })),
    ...extra,
  };
}

function synthStack(config: PipelineConfigInput): PipelineStack {
  const app = new App(FAST_APP);
  const lakeStack = new Stack(app, 'Lake');
  const table = (id: string) => new dynamodb.Table(lakeStack, id, { partitionKey: { name: 'k', type: dynamodb.AttributeType.STRING } });
  return new PipelineStack(app, 'Pipeline', {
    config: parsePipelineConfig(config),
    glueScriptPath: glueScript.path,
    dataLake: {
      bronzeBucket: new s3.Bucket(lakeStack, 'Bronze'),
      silverBucket: new s3.Bucket(lakeStack, 'Silver'),
      goldBucket: new s3.Bucket(lakeStack, 'Gold'),
      journeyTable: table('Journey'),
      congregadoTable: table('Congregado'),
      watermarkTable: table('Watermark'),
      partitionsTable: table('Partitions'),
      silverDatabase: 'db_silver',
      athenaWorkgroup: 'medallion',
      queryResultsBucket: new s3.Bucket(lakeStack, 'QueryResults'),
    },
  });
}

describe('the pipeline state machine', () => {
  it('is valid Amazon States Language, with and without the Glue states', () => {
    for (const config of [defaultPipelineConfig, withConsolidations(1, { consolidations: [{ ...operations, engine: 'lambda' }] })]) {
      const { definition } = synthesizePipeline(parsePipelineConfig(config));
      const result = validateAsl(definition, { checkArn: true, checkPaths: true });
      expect(result.errorsText('\n')).toBe('');
      expect(result.isValid).toBe(true);
    }
    // A table that never runs on Glue has no Glue state at all.
    const lambdaOnly = synthesizePipeline(
      parsePipelineConfig(withConsolidations(1, { consolidations: [{ ...operations, engine: 'lambda' }] })),
    );
    expect(JSON.stringify(lambdaOnly.definition)).not.toContain(STATE_NAMES.glueRun);
  });

  it('fails synth when one execution may ask Glue for more runs at once than the job allows, naming both settings', () => {
    const limits = { ...defaultPipelineConfig.limits, sourceConcurrency: 4, partitionConcurrency: 5, glueMaxConcurrentRuns: 16 };
    // Four tables at once, five partitions each: 20 runs.
    expect(() => synthStack(withConsolidations(4, { limits }))).toThrow(GlueJobLimitError);
    expect(() => synthStack(withConsolidations(4, { limits }))).toThrow(
      'One execution may start 20 Glue runs at once (limits.sourceConcurrency 4, over 4 consolidation(s) that may run on Glue, x limits.partitionConcurrency 5), ' +
        "more than the consolidate job's MaxConcurrentRuns (limits.glueMaxConcurrentRuns 16): raise limits.glueMaxConcurrentRuns to 20, or lower limits.sourceConcurrency or limits.partitionConcurrency",
    );
    // Fewer tables than the Map runs at once bound it too: three tables, five partitions each.
    expect(() => synthStack(withConsolidations(3, { limits }))).not.toThrow();
    expect(() => synthStack(withConsolidations(4, { limits: { ...limits, glueMaxConcurrentRuns: 20 } }))).not.toThrow();
  });
});
