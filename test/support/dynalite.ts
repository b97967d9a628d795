// dynalite in memory on 127.0.0.1 with the pipeline's three state tables, and document clients for the stores.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parsePipelineConfig } from '../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../lambdas/core/default-config.js';
import { documentClient } from '../../lambdas/adapters/aws/dynamodb-client.js';
import { startLocalDynamo, type LocalDynamo } from '../../local/dynamo.js';

export interface TestDynamo extends LocalDynamo {
  /** The stores' document client over the emulator's client. */
  doc: DynamoDBDocumentClient;
}

export async function startTestDynamo(): Promise<TestDynamo> {
  const dynamo = await startLocalDynamo(parsePipelineConfig(defaultPipelineConfig));
  return { ...dynamo, doc: documentClient(dynamo.client) };
}
