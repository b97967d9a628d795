import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClientInBlock } from '../../support/client-mock.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createStateClient } from '../../../lambdas/adapters/aws/dynamodb-client.js';
import { StateStoreError } from '../../../lambdas/adapters/aws/errors.js';
import { DynamoJourneyStore } from '../../../lambdas/adapters/aws/dynamodb-journey-store.js';
import { DynamoWatermarkStore } from '../../../lambdas/adapters/aws/dynamodb-watermark-store.js';
import { JourneyController } from '../../../lambdas/core/journey/controller.js';

/** A DynamoDB endpoint that answers every request with the given error, counting requests by operation. */
let server: Server;
let answer: { status: number; type: string };
const requests: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(String(req.headers['x-amz-target']).split('.').pop()!);
    req.resume();
    req.on('end', () => {
      res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(
        JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${answer.type}`, message: `${answer.type} from the test server` }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => void (requests.length = 0));

function client() {
  const { port } = server.address() as AddressInfo;
  return createStateClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'local-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 3,
  });
}

describe('state stores facing throttling and transient errors', () => {
  it.each([
    { status: 400, type: 'ThrottlingException' },
    { status: 400, type: 'ProvisionedThroughputExceededException' },
    { status: 500, type: 'InternalServerError' },
  ])('retries $type ($status) in the client, then names the table and the operation', async (error) => {
    answer = error;
    const watermarks = new DynamoWatermarkStore(client(), 'watermark');
    const failure = await watermarks.get('sor').catch((e: unknown) => e);
    expect(requests).toEqual(['GetItem', 'GetItem', 'GetItem']);
    expect(failure).toBeInstanceOf(StateStoreError);
    expect(failure).toMatchObject({ table: 'watermark', operation: 'GetItem sor' });
    expect((failure as Error).message).toContain('DynamoDB GetItem sor on table "watermark" failed after 3 attempt(s)');
    expect((failure as Error).message).toContain(error.type);
    expect((failure as Error).cause).toMatchObject({ name: error.type });
  });

  it('does not retry a validation error', async () => {
    answer = { status: 400, type: 'ValidationException' };
    const failure = await new DynamoWatermarkStore(client(), 'watermark').get('sor').catch((e: unknown) => e);
    expect(requests).toHaveLength(1);
    expect((failure as Error).message).toContain('ValidationException');
  });
});

describe('state stores with a mocked client', () => {
  // Mocking the class stubs every instance's send: only while this block runs.
  const mock = mockClientInBlock(DynamoDBDocumentClient);

  it('surfaces a throughput error of a journey step as a StateStoreError with the cause and a hint', async () => {
    const cause = new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: { attempts: 5, httpStatusCode: 400 } });
    mock().on(UpdateCommand).rejects(cause);
    const journeys = new JourneyController(new DynamoJourneyStore(createStateClient({ region: 'local-1' }), 'journey_control'));
    const failure = await journeys
      .recordStep('run-1', 'owner', { name: 'ingest', status: 'SUCCEEDED', started_at: '2024-03-15T00:00:00Z' })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(StateStoreError);
    expect((failure as Error).message).toBe(
      'DynamoDB UpdateItem run-1 on table "journey_control" failed after 5 attempt(s): ProvisionedThroughputExceededException: Rate exceeded (throttled: raise the table capacity or lower the concurrency)',
    );
    expect((failure as Error).cause).toBe(cause);
  });

  it('treats a failed condition as a lost race, not as an error', async () => {
    mock()
      .on(GetCommand)
      .resolves({ Item: { source: 'sor', watermark: '2024-03-16T00:00:00.000Z', updated_at: 'x' } });
    mock()
      .on(UpdateCommand)
      .rejects(Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' }));
    const result = await new DynamoWatermarkStore(createStateClient({ region: 'local-1' }), 'watermark').advance(
      'sor',
      '2024-03-15T00:00:00Z',
    );
    expect(result).toMatchObject({ advanced: false, current: { watermark: '2024-03-16T00:00:00.000Z' } });
  });
});
