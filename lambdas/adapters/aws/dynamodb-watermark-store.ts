// The watermark table (key `source`): per-source high-water marks that only move forward.
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { WatermarkRecord, WatermarkStore } from '../../ports/state-stores.js';
import { call, conditional } from './dynamodb-client.js';
import { InvalidWatermarkError, StateStoreError } from './errors.js';

export class DynamoWatermarkStore implements WatermarkStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly options: { clock?: () => Date } = {},
  ) {}

  async get(source: string): Promise<WatermarkRecord | undefined> {
    const out = await call(this.tableName, `GetItem ${source}`, () =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: { source }, ConsistentRead: true })),
    );
    return out.Item as WatermarkRecord | undefined;
  }

  /** A conditional update: applied only when the stored watermark is absent or behind `to`, so it never moves backward. */
  async advance(source: string, to: string, runId?: string): Promise<{ advanced: boolean; current: WatermarkRecord }> {
    const time = new Date(to);
    if (Number.isNaN(time.getTime())) throw new InvalidWatermarkError(source, to);
    // One canonical form (toISOString), so that comparing strings compares instants.
    const watermark = time.toISOString();
    const out = await conditional(this.tableName, `UpdateItem ${source}`, () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { source },
          UpdateExpression: runId
            ? 'SET #watermark = :to, #updated_at = :now, #run_id = :run'
            : 'SET #watermark = :to, #updated_at = :now REMOVE #run_id',
          ConditionExpression: 'attribute_not_exists(#watermark) OR #watermark < :to',
          ExpressionAttributeNames: { '#watermark': 'watermark', '#updated_at': 'updated_at', '#run_id': 'run_id' },
          ExpressionAttributeValues: {
            ':to': watermark,
            ':now': (this.options.clock?.() ?? new Date()).toISOString(),
            ...(runId ? { ':run': runId } : {}),
          },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    if (out?.Attributes) return { advanced: true, current: out.Attributes as WatermarkRecord };
    const current = await this.get(source);
    if (!current)
      throw new StateStoreError(
        this.tableName,
        `AdvanceWatermark ${source}`,
        new Error(`Watermark of source "${source}" was neither advanced nor found in table "${this.tableName}"`),
      );
    return { advanced: false, current };
  }
}
