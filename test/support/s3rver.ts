// s3rver (the S3 API in JavaScript) on 127.0.0.1 with a temp folder and the given buckets, and an S3Client for it.
import crypto from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';

// s3rver ships no types; these are the parts the tests use.
interface S3rverServer {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
const S3rver = createRequire(import.meta.url)('s3rver') as new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string }[];
}) => S3rverServer;

/**
 * s3rver 3.7 encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node 17 and later)
 * no longer offers, so any listing longer than one page fails with InternalError. Its tokens are opaque
 * to clients: map s3rver's 'des' to AES-128 with the 8-byte key and IV doubled. Only 'des' is touched.
 */
function letS3rverPaginate(): void {
  const patched = crypto as typeof crypto & { s3rverDes?: boolean };
  if (patched.s3rverDes) return;
  patched.s3rverDes = true;
  const cipher = crypto.createCipheriv.bind(crypto);
  const decipher = crypto.createDecipheriv.bind(crypto);
  const wide = (b: crypto.BinaryLike) => Buffer.concat([Buffer.from(b as Buffer), Buffer.from(b as Buffer)]);
  (crypto as { createCipheriv: unknown }).createCipheriv = (algorithm: string, key: Buffer, iv: Buffer | null, options?: unknown) =>
    algorithm === 'des' ? cipher('aes-128-cbc', wide(key), wide(iv!)) : cipher(algorithm, key, iv, options as never);
  (crypto as { createDecipheriv: unknown }).createDecipheriv = (algorithm: string, key: Buffer, iv: Buffer | null, options?: unknown) =>
    algorithm === 'des' ? decipher('aes-128-cbc', wide(key), wide(iv!)) : decipher(algorithm, key, iv, options as never);
}

export interface TestS3 {
  endpoint: string;
  client: S3Client;
  stop(): Promise<void>;
}

export async function startTestS3(buckets: string[]): Promise<TestS3> {
  letS3rverPaginate();
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    // s3rver predates the SDK's default CRC checksums; send them only where S3 requires one.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    endpoint,
    client,
    async stop() {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
