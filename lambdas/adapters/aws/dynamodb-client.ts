// The one DynamoDB document client of the state stores, and how its requests fail.
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { StateStoreError } from './errors.js';

export interface StateClientOptions {
  /** Attempts per request, the first included; throttling and 5xx answers are retried with backoff by the SDK. Default 5. */
  maxAttempts?: number;
  region?: string;
  /** For an emulator (dynalite, DynamoDB Local). */
  endpoint?: string;
  credentials?: DynamoDBClientConfig['credentials'];
}

export function createStateClient(options: StateClientOptions = {}): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    region: options.region,
    endpoint: options.endpoint,
    credentials: options.credentials,
    maxAttempts: options.maxAttempts ?? 5,
    retryMode: 'standard',
  });
  return documentClient(client);
}

/** Wraps a client (for example the local runner's dynalite client) with the stores' marshalling options. */
export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
  });
}

function isConditionFailed(err: unknown): boolean {
  return (err as { name?: string }).name === 'ConditionalCheckFailedException';
}

/** Runs one request; any failure becomes a StateStoreError naming the table and the operation. */
export async function call<T>(table: string, operation: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (err) {
    throw new StateStoreError(table, operation, err);
  }
}

/** Runs one conditional request; undefined when its condition did not hold. */
export async function conditional<T>(table: string, operation: string, request: () => Promise<T>): Promise<T | undefined> {
  try {
    return await request();
  } catch (err) {
    if (isConditionFailed(err)) return undefined;
    throw new StateStoreError(table, operation, err);
  }
}
