// The data lake resources the PipelineStack is synthesized against for a local run.
import { Stack, type App, type Environment } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { physicalName, type PipelineConfig } from '../lambdas/core/config.js';
import type { PipelineDataLake } from '../lib/constructs/pipeline-functions.js';

/**
 * Only the state machine definition is taken from the synthesized pipeline, and it names no bucket or
 * table; so a minimal stand-in of the stateful stack is enough and keeps the local synth fast.
 */
export function dataLakeForLocalSynth(app: App, config: PipelineConfig, env: Environment): PipelineDataLake {
  const stack = new Stack(app, 'LocalDataLake', { env });
  const table = (id: string, name: string, key: string) =>
    new dynamodb.Table(stack, id, { tableName: name, partitionKey: { name: key, type: dynamodb.AttributeType.STRING } });
  return {
    bronzeBucket: new s3.Bucket(stack, 'Bronze'),
    silverBucket: new s3.Bucket(stack, 'Silver'),
    goldBucket: new s3.Bucket(stack, 'Gold'),
    journeyTable: table('Journey', config.storage.tables.journey, 'idempotency_key'),
    congregadoTable: table('Congregado', config.storage.tables.congregado, 'id'),
    watermarkTable: table('Watermark', config.storage.tables.watermark, 'source'),
    partitionsTable: table('Partitions', config.storage.tables.partitions, 'partition'),
    silverDatabase: physicalName(config, config.storage.silverDatabase),
    athenaWorkgroup: physicalName(config, config.storage.athenaWorkgroup),
    queryResultsBucket: new s3.Bucket(stack, 'QueryResults'),
  };
}
