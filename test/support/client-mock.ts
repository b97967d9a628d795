// aws-sdk-client-mock for one describe block: mocking a client class stubs every instance's send, so the
// stub is installed before the block's tests, reset after each and removed after the block.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';

/** The stub of `client` while the enclosing describe block runs (call it inside tests and hooks). */
export function mockClientInBlock<C extends Parameters<typeof mockClient>[0]>(client: C): () => AwsClientStub<any> {
  let stub: AwsClientStub<any> | undefined;
  beforeAll(() => void (stub = mockClient(client)));
  afterEach(() => stub!.reset());
  afterAll(() => stub!.restore());
  return () => stub!;
}
