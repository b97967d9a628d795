// The one DynamoDB document client of the state stores, their error class, and DynamoDB's item size rule.
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

/**
 * The size DynamoDB counts for a value as the document client writes it (UTF-8 names and strings,
 * numbers by significant digits, 3 bytes per list or map plus 1 per element), so items can be kept under
 * the 400 KB limit before they are sent.
 */
export function dynamoSize(value: unknown): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number' || typeof value === 'bigint') {
    const digits = String(value).replace(/^-/, '').replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
    return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
  }
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + dynamoSize(v) + 1, 3);
  if (value instanceof Set) return [...value].reduce((n: number, v) => n + dynamoSize(v), 0);
  if (typeof value === 'object') {
    return Object.entries(value).reduce((n, [k, v]) => (v === undefined ? n : n + Buffer.byteLength(k, 'utf8') + dynamoSize(v) + 1), 3);
  }
  return Buffer.byteLength(String(value), 'utf8');
}

/** The size of a whole item: attribute names and values, without the map overhead of a nested value. */
export function dynamoItemSize(item: Record<string, unknown>): number {
  return Object.entries(item).reduce((n, [k, v]) => (v === undefined ? n : n + Buffer.byteLength(k, 'utf8') + dynamoSize(v)), 0);
}
