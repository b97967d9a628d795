// dynalite (the DynamoDB API in JavaScript) persisted under a folder, with the pipeline's state tables.
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import { type PipelineConfig, physicalName } from '../lambdas/core/config.js';
import { STATE_KEYS } from '../lambdas/ports/state-stores.js';

// dynalite ships no types; this is the one function of it that the local run uses.
const dynalite = createRequire(import.meta.url)('dynalite') as (options: {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;

export interface LocalDynamo {
  endpoint: string;
  client: DynamoDBClient;
  tables: { journey: string; congregado: string; watermark: string; partitions: string };
  stop(): Promise<void>;
}

/**
 * Starts dynalite on 127.0.0.1 (a random port) storing its data under `path` (absent: in memory), and
 * creates the journey, congregado, watermark and partition version tables when they do not exist yet.
 */
export async function startLocalDynamo(config: PipelineConfig, path?: string): Promise<LocalDynamo> {
  if (path) await mkdir(path, { recursive: true });
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ endpoint, region: 'local-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const tables = await createStateTables(client, config);
  return {
    endpoint,
    client,
    tables,
    async stop() {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Creates the journey, congregado, watermark and partition version tables that do not exist yet (on any DynamoDB API). */
export async function createStateTables(client: DynamoDBClient, config: PipelineConfig): Promise<LocalDynamo['tables']> {
  const t = config.storage.tables;
  const tables = {
    journey: physicalName(config, t.journey),
    congregado: physicalName(config, t.congregado),
    watermark: physicalName(config, t.watermark),
    partitions: physicalName(config, t.partitions),
  };
  const existing = new Set((await client.send(new ListTablesCommand({}))).TableNames ?? []);
  const create = async (name: string, key: string, indexKey?: string) => {
    if (existing.has(name)) return;
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: key, AttributeType: 'S' },
          ...(indexKey ? [{ AttributeName: indexKey, AttributeType: 'S' as const }] : []),
        ],
        KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
        GlobalSecondaryIndexes: indexKey
          ? [{ IndexName: indexKey, KeySchema: [{ AttributeName: indexKey, KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } }]
          : undefined,
      }),
    );
  };
  await create(tables.journey, STATE_KEYS.journey);
  await create(tables.congregado, STATE_KEYS.congregado, STATE_KEYS.congregadoIndex);
  await create(tables.watermark, STATE_KEYS.watermark);
  await create(tables.partitions, STATE_KEYS.partitions);
  return tables;
}
