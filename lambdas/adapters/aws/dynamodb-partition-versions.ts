// The partition versions table (key `partition`) as a PartitionVersionStore: whole-record puts,
// conditional on the version the writer read.
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PartitionVersionRecord, PartitionVersionStore } from '../../ports/partition-versions.js';
import { call, conditional } from './dynamodb-client.js';

export class DynamoPartitionVersionStore implements PartitionVersionStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async get(partition: string): Promise<PartitionVersionRecord | undefined> {
    const out = await call(this.tableName, `GetItem ${partition}`, () =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: { partition }, ConsistentRead: true })),
    );
    return out.Item as PartitionVersionRecord | undefined;
  }

  async put(next: PartitionVersionRecord, expectedVersion: number | undefined): Promise<boolean> {
    const out = await conditional(this.tableName, `PutItem ${next.partition} v${next.version}`, () =>
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: next,
          ConditionExpression: expectedVersion === undefined ? 'attribute_not_exists(#partition)' : '#version = :expected',
          ExpressionAttributeNames: expectedVersion === undefined ? { '#partition': 'partition' } : { '#version': 'version' },
          ExpressionAttributeValues: expectedVersion === undefined ? undefined : { ':expected': expectedVersion },
        }),
      ),
    );
    return out !== undefined;
  }
}
