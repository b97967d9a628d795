// The congregado_data table (key `id`, GSI `idempotency_key`): one versioned record per consolidated table (seed 000).
import { GetCommand, PutCommand, QueryCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { canonicalJson } from '../../core/hashing.js';
import { goldLayout } from '../../core/lake/layout.js';
import type { ObjectStore } from '../../ports/object-store.js';
import { STATE_KEYS, type CongregadoInput, type CongregadoRecord, type CongregadoStore } from '../../ports/state-stores.js';
import { call, conditional } from './dynamodb-client.js';
import { itemSizeUpperBound, valueSizeUpperBound } from './item-size.js';
import { CongregadoContentionError } from './errors.js';

export interface CongregadoStoreOptions {
  /** Where a full sample that does not fit in the item goes (the gold bucket). */
  sampleStore: ObjectStore;
  clock?: () => Date;
  /** Budget of the whole item, kept well under DynamoDB's 400 KB limit. Default 350,000 bytes. */
  maxItemBytes?: number;
}

/** Rows in a full sample (seed 000: up to 1000). */
const MAX_SAMPLE_ROWS = 1000;
const MAX_RACES = 10;

function congregadoId(database: string, tabelaConsolidada: string): string {
  return `${database}_${tabelaConsolidada}`;
}

export class DynamoCongregadoStore implements CongregadoStore {
  private readonly clock: () => Date;
  private readonly maxItemBytes: number;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly options: CongregadoStoreOptions,
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.maxItemBytes = options.maxItemBytes ?? 350_000;
  }

  /**
   * Same content (content hash) as the stored record: nothing new (created false). Changed content: the
   * next version, written on the condition that the version read is still the stored one; a lost race
   * reads again, so concurrent saves of different contents each get their own version.
   */
  async save(input: CongregadoInput): Promise<{ record: CongregadoRecord; created: boolean }> {
    const id = congregadoId(input.database, input.tabela_consolidada);
    // Dates, bigints and NaN become JSON values, as they would be in the S3 sample.
    const sample = JSON.parse(canonicalJson(input.sample_data.slice(0, MAX_SAMPLE_ROWS))) as Record<string, unknown>[];
    for (let race = 0; race < MAX_RACES; race++) {
      const current = await this.get(id);
      if (current?.idempotency_key === input.content_hash) {
        await this.repairSample(current, sample);
        return { record: current, created: false };
      }
      const now = this.clock().toISOString();
      const version = (current?.version ?? 0) + 1;
      const sampleKey = goldLayout.congregadoSample(id, version);
      const record: CongregadoRecord = {
        id,
        idempotency_key: input.content_hash,
        version,
        record_count: input.record_count,
        database: input.database,
        tabela_consolidada: input.tabela_consolidada,
        chaves_principais: input.chaves_principais,
        campos_decisao: input.campos_decisao,
        origens: input.origens,
        processor_type: input.processor_type,
        sample_data: [],
        created_at: current?.created_at ?? now,
        updated_at: now,
        metadata: {
          processor_type: input.processor_type,
          tabela_consolidada: input.tabela_consolidada,
          database: input.database,
          origens: input.origens,
          ...input.metadata,
        },
      };
      const inline = this.inlineRows(record, sample, this.options.sampleStore.uri(sampleKey));
      record.sample_data = sample.slice(0, inline);
      if (inline < sample.length) record.sample_uri = this.options.sampleStore.uri(sampleKey);
      const written = await conditional(this.tableName, `PutItem ${id} v${version}`, () =>
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: record,
            ...(current
              ? {
                  ConditionExpression: '#version = :version',
                  ExpressionAttributeNames: { '#version': 'version' },
                  ExpressionAttributeValues: { ':version': current.version },
                }
              : { ConditionExpression: 'attribute_not_exists(#id)', ExpressionAttributeNames: { '#id': 'id' } }),
          }),
        ),
      );
      if (!written) continue;
      // Only the writer that won this version writes its sample, so a loser never overwrites it.
      if (record.sample_uri) await this.writeSample(sampleKey, sample);
      return { record, created: true };
    }
    throw new CongregadoContentionError(id, MAX_RACES);
  }

  async get(id: string): Promise<CongregadoRecord | undefined> {
    const out = await call(this.tableName, `GetItem ${id}`, () =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: { id }, ConsistentRead: true })),
    );
    return out.Item as CongregadoRecord | undefined;
  }

  /** The records whose current content has this hash, through the `idempotency_key` index (eventually consistent). */
  async findByContentHash(contentHash: string): Promise<CongregadoRecord[]> {
    const out = await call(this.tableName, `Query idempotency_key ${contentHash}`, () =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: STATE_KEYS.congregadoIndex,
          KeyConditionExpression: '#key = :key',
          ExpressionAttributeNames: { '#key': 'idempotency_key' },
          ExpressionAttributeValues: { ':key': contentHash },
        }),
      ),
    );
    return (out.Items ?? []) as CongregadoRecord[];
  }

  async list(): Promise<CongregadoRecord[]> {
    const records: CongregadoRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await call(this.tableName, 'Scan', () =>
        this.client.send(new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: start })),
      );
      records.push(...((page.Items ?? []) as CongregadoRecord[]));
      start = page.LastEvaluatedKey;
    } while (start);
    return records.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** How many sample rows fit inline within the byte budget, counting the pointer the item then carries. */
  private inlineRows(record: CongregadoRecord, sample: Record<string, unknown>[], sampleUri: string): number {
    const whole = itemSizeUpperBound({ ...record, sample_data: sample });
    if (whole <= this.maxItemBytes) return sample.length;
    let size = itemSizeUpperBound({ ...record, sample_uri: sampleUri, sample_data: [] });
    let rows = 0;
    for (const row of sample) {
      size += valueSizeUpperBound(row) + 1;
      if (size > this.maxItemBytes) break;
      rows++;
    }
    return rows;
  }

  private writeSample(key: string, sample: Record<string, unknown>[]): Promise<void> {
    return this.options.sampleStore.put(key, JSON.stringify(sample), { contentType: 'application/json' });
  }

  /** A save interrupted between the item and its S3 sample left a pointer to nothing: write the sample now. */
  private async repairSample(record: CongregadoRecord, sample: Record<string, unknown>[]): Promise<void> {
    if (!record.sample_uri) return;
    const key = goldLayout.congregadoSample(record.id, record.version);
    if (!(await this.options.sampleStore.head(key))) await this.writeSample(key, sample);
  }
}
