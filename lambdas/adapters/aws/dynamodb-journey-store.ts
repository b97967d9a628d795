// The journey_control table (key `idempotency_key`) as a JourneyStore: conditional puts and updates only.
import { GetCommand, PutCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { JourneyChanges, JourneyExpectation, JourneyRecord, JourneyStore } from '../../ports/state-stores.js';
import { call, conditional } from './dynamodb-client.js';
import { valueSizeUpperBound } from './item-size.js';

/** Names and values of one expression; every attribute goes through a placeholder (status, owner, step are reserved words). */
class Expression {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  private n = 0;

  name(attribute: string): string {
    const placeholder = `#${attribute}`;
    this.names[placeholder] = attribute;
    return placeholder;
  }

  value(v: unknown): string {
    const placeholder = `:v${this.n++}`;
    this.values[placeholder] = v;
    return placeholder;
  }

  /** The condition that the stored journey exists and matches `expected`. */
  condition(expected: JourneyExpectation | undefined): string {
    const parts = [`attribute_exists(${this.name('idempotency_key')})`];
    for (const [attribute, v] of Object.entries(expected ?? {})) {
      if (v === undefined) continue;
      if (attribute === 'stepBytesBelow')
        parts.push(`(attribute_not_exists(${this.name('steps_bytes')}) OR ${this.name('steps_bytes')} < ${this.value(v)})`);
      else if (attribute === 'notStatus') parts.push(`${this.name('status')} <> ${this.value(v)}`);
      else if (v === null) parts.push(`attribute_not_exists(${this.name(attribute)})`);
      else parts.push(`${this.name(attribute)} = ${this.value(v)}`);
    }
    return parts.join(' AND ');
  }
}

export class DynamoJourneyStore implements JourneyStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  sizeOf(value: unknown): number {
    return valueSizeUpperBound(value);
  }

  async get(key: string): Promise<JourneyRecord | undefined> {
    const out = await call(this.tableName, `GetItem ${key}`, () =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: { idempotency_key: key }, ConsistentRead: true })),
    );
    return out.Item as JourneyRecord | undefined;
  }

  async put(record: JourneyRecord, expected?: JourneyExpectation): Promise<boolean> {
    const e = new Expression();
    const condition = expected ? e.condition(expected) : `attribute_not_exists(${e.name('idempotency_key')})`;
    const out = await conditional(this.tableName, `PutItem ${record.idempotency_key}`, () =>
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: record,
          ConditionExpression: condition,
          ExpressionAttributeNames: e.names,
          ExpressionAttributeValues: Object.keys(e.values).length > 0 ? e.values : undefined,
        }),
      ),
    );
    return out !== undefined;
  }

  async update(key: string, changes: JourneyChanges, expected?: JourneyExpectation): Promise<JourneyRecord | undefined> {
    const e = new Expression();
    const set = Object.entries(changes.set ?? {})
      .filter(([, v]) => v !== undefined)
      .map(([attribute, v]) => `${e.name(attribute)} = ${e.value(v)}`);
    if (changes.appendStep) {
      const steps = e.name('steps');
      set.push(`${steps} = list_append(if_not_exists(${steps}, ${e.value([])}), ${e.value([changes.appendStep])})`);
    }
    const clauses = [set.length > 0 ? `SET ${set.join(', ')}` : ''];
    const add = [
      ...(changes.incrementRetryCount ? [`${e.name('retry_count')} ${e.value(1)}`] : []),
      ...(changes.stepBytes !== undefined ? [`${e.name('steps_bytes')} ${e.value(changes.stepBytes)}`] : []),
      ...(changes.countStepNotListed ? [`${e.name('steps_not_listed')} ${e.value(1)}`] : []),
    ];
    if (add.length > 0) clauses.push(`ADD ${add.join(', ')}`);
    if (changes.remove?.length) clauses.push(`REMOVE ${changes.remove.map((a) => e.name(a)).join(', ')}`);
    const condition = e.condition(expected);
    const out = await conditional(this.tableName, `UpdateItem ${key}`, () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { idempotency_key: key },
          UpdateExpression: clauses.filter(Boolean).join(' '),
          ConditionExpression: condition,
          ExpressionAttributeNames: e.names,
          ExpressionAttributeValues: Object.keys(e.values).length > 0 ? e.values : undefined,
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return out?.Attributes as JourneyRecord | undefined;
  }

  /** The most recently updated journey (a Scan: for the local runner's summary, not for large tables). */
  async latest(): Promise<JourneyRecord | undefined> {
    let latest: JourneyRecord | undefined;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await call(this.tableName, 'Scan', () =>
        this.client.send(new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: start })),
      );
      for (const item of (page.Items ?? []) as JourneyRecord[]) {
        if (!latest || item.updated_at > latest.updated_at) latest = item;
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return latest;
  }
}
