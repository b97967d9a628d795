// The data lake of a config with expectations: the Glue table quality_results in the silver database.
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, it } from 'vitest';
import { parsePipelineConfig } from '../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../lambdas/core/default-config.js';
import { DataLakeStack } from '../../lib/data-lake-stack.js';
import { FAST_APP } from './cdk-fixtures.js';

describe('data lake with expectations', () => {
  it('declares db_silver.quality_results, Parquet under _quality_results/ in the silver bucket, partitioned by anomesdia', () => {
    const config = parsePipelineConfig({
      ...defaultPipelineConfig,
      sources: defaultPipelineConfig.sources.map((s) =>
        s.name === 'sor' ? { ...s, expectations: [{ name: 'oper_set', not_null: 'num_oper' }] } : s,
      ),
    });
    const stack = new DataLakeStack(new App(FAST_APP), 'Lake', { config });
    Template.fromStack(stack).hasResourceProperties('AWS::Glue::Table', {
      DatabaseName: 'db_silver',
      TableInput: Match.objectLike({
        Name: 'quality_results',
        PartitionKeys: [{ Name: 'anomesdia', Type: 'string' }],
        StorageDescriptor: Match.objectLike({
          Location: {
            'Fn::Join': ['', ['s3://', { Ref: stack.getLogicalId(stack.silverBucket.node.defaultChild as never) }, '/_quality_results/']],
          },
          Columns: [
            { Name: 'source', Type: 'string' },
            { Name: 'expectation', Type: 'string' },
            { Name: 'rule', Type: 'string' },
            { Name: 'action', Type: 'string' },
            { Name: 'rows_checked', Type: 'bigint' },
            { Name: 'rows_failed', Type: 'bigint' },
            { Name: 'run_id', Type: 'string' },
            { Name: 'checked_at', Type: 'timestamp' },
            { Name: 'layer', Type: 'string' },
          ],
        }),
      }),
    });
  });
});
