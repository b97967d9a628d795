// One contract for every ObjectStore: the file-system lake and S3 (on s3rver) must behave alike.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CopyObjectCommand, DeleteObjectCommand, DeleteObjectsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClientInBlock } from '../support/client-mock.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ObjectStore, parseS3Uri } from '../../lambdas/adapters/aws/s3-object-store.js';
import { InvalidS3UriError } from '../../lambdas/adapters/aws/errors.js';
import { FsObjectStore } from '../../lambdas/adapters/local/fs-object-store.js';
import type { ObjectStore } from '../../lambdas/ports/object-store.js';
import { ObjectExistsError, ObjectNotFoundError } from '../../lambdas/ports/errors.js';
import { startTestS3, type TestS3 } from '../support/s3rver.js';

interface ContractSubject {
  /** A fresh, empty store for one test. */
  store(): ObjectStore;
  /** Why readers may see part of an object while it is put (an emulator's shortcut): S3 and the local lake never show one. */
  partialWritesVisible?: string;
}

async function keys(store: ObjectStore, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const o of store.list(prefix)) out.push(o.key);
  return out;
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

function objectStoreContract(name: string, setup: () => Promise<ContractSubject & { teardown(): Promise<void> }>) {
  describe(`ObjectStore contract: ${name}`, () => {
    let subject: ContractSubject & { teardown(): Promise<void> };
    beforeAll(async () => void (subject = await setup()));
    afterAll(async () => subject?.teardown());

    it('puts, gets and heads an object', async () => {
      const store = subject.store();
      await store.put('a/b/c.json', '{"x":1}', { contentType: 'application/json' });
      expect(text(await store.get('a/b/c.json'))).toBe('{"x":1}');
      expect(await store.head('a/b/c.json')).toMatchObject({ key: 'a/b/c.json', size: 7 });
      expect(await store.head('a/b/missing.json')).toBeUndefined();
      await store.put('a/b/c.json', 'replaced');
      expect(text(await store.get('a/b/c.json'))).toBe('replaced');
    });

    it('refuses a second put with ifNoneMatch and keeps the first object', async () => {
      const store = subject.store();
      await store.put('runs/manifest.json', 'first', { ifNoneMatch: true });
      const err = await store.put('runs/manifest.json', 'second', { ifNoneMatch: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ObjectExistsError);
      expect((err as ObjectExistsError).uri).toBe(store.uri('runs/manifest.json'));
      expect(text(await store.get('runs/manifest.json'))).toBe('first');
    });

    it('lists an object being put with ifNoneMatch under its key alone, and shows it whole or not at all', async () => {
      const store = subject.store();
      const body = new Uint8Array(8 * 1024 * 1024).map((_, i) => i % 251);
      let done = false;
      const put = store.put('bronze/index.bin', body, { ifNoneMatch: true }).finally(() => (done = true));
      const listed = new Set<string>();
      const partial: number[] = [];
      while (!done) {
        for await (const o of store.list('bronze/')) {
          listed.add(o.key);
          if (o.size !== body.length) partial.push(o.size);
        }
        const info = await store.head('bronze/index.bin');
        if (info && info.size !== body.length) partial.push(info.size);
      }
      await put;
      // A write under way never shows under another name (a temporary file), in any store.
      expect([...listed].filter((k) => k !== 'bronze/index.bin')).toEqual([]);
      if (!subject.partialWritesVisible) expect(partial).toEqual([]);
      expect(Buffer.from(await store.get('bronze/index.bin')).equals(body)).toBe(true);
      expect(await keys(store, 'bronze/')).toEqual(['bronze/index.bin']);
      await expect(store.put('bronze/index.bin', 'second', { ifNoneMatch: true })).rejects.toThrow(ObjectExistsError);
    });

    it('throws ObjectNotFoundError naming the URI of a missing object', async () => {
      const store = subject.store();
      const err = await store.get('nowhere/x.bin').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ObjectNotFoundError);
      expect((err as ObjectNotFoundError).uri).toBe(store.uri('nowhere/x.bin'));
      await expect(store.move('nowhere/x.bin', 'elsewhere/x.bin')).rejects.toThrow(ObjectNotFoundError);
    });

    it('lists every object under a prefix in key order, across pages', async () => {
      const store = subject.store();
      const written = [
        't/anomesdia=20240302/p-1',
        't/anomesdia=20240301/p-2',
        't/anomesdia=20240301/p-1',
        't/b',
        't/a',
        't/anomesdia=20240303/x/y',
      ];
      for (const key of written) await store.put(key, key);
      await store.put('u/other', 'x');
      await store.put('tz', 'x');
      expect(await keys(store, 't/')).toEqual([...written].sort());
      expect(await keys(store, 't/anomesdia=20240301/')).toEqual(['t/anomesdia=20240301/p-1', 't/anomesdia=20240301/p-2']);
      expect(await keys(store, 't/anomesdia=2024030')).toHaveLength(4);
      expect(await keys(store, 'none/')).toEqual([]);
      const sizes = [];
      for await (const o of store.list('t/a')) sizes.push(o.size);
      expect(sizes).toEqual([3, 24, 24, 24, 24]);
    });

    it('moves an object: present at the target, gone at the source', async () => {
      const store = subject.store();
      await store.put('staging/run=1/part.parquet', 'bytes');
      await store.move('staging/run=1/part.parquet', 'final/anomesdia=20240301/part.parquet');
      expect(text(await store.get('final/anomesdia=20240301/part.parquet'))).toBe('bytes');
      expect(await store.head('staging/run=1/part.parquet')).toBeUndefined();
    });

    it('deletes many objects and ignores keys that are already absent', async () => {
      const store = subject.store();
      const many = Array.from({ length: 12 }, (_, i) => `del/${String(i).padStart(2, '0')}`);
      await Promise.all(many.map((k) => store.put(k, 'x')));
      await store.delete([...many.slice(0, 10), 'del/never-written']);
      expect(await keys(store, 'del/')).toEqual(['del/10', 'del/11']);
      await store.delete([]);
    });

    it('round-trips every byte value', async () => {
      const store = subject.store();
      const bytes = new Uint8Array(Array.from({ length: 512 }, (_, i) => (i * 7) % 256));
      await store.put('bin/all-bytes.bin', bytes);
      expect(await store.get('bin/all-bytes.bin')).toEqual(bytes);
    });

    it('keeps keys with "=" and spaces', async () => {
      const store = subject.store();
      const key = 'gold/db_batch/anomesdia=20240301/run=a b/file name=1.parquet';
      await store.put(key, 'ok');
      expect(text(await store.get(key))).toBe('ok');
      expect(await keys(store, 'gold/db_batch/anomesdia=20240301/')).toEqual([key]);
      await store.move(key, 'gold/db_batch/anomesdia=20240301/moved name=2.parquet');
      expect(await keys(store, 'gold/')).toEqual(['gold/db_batch/anomesdia=20240301/moved name=2.parquet']);
    });
  });
}

let seq = 0;

objectStoreContract('FsObjectStore', async () => {
  const root = await mkdtemp(join(tmpdir(), 'fs-store-'));
  return {
    store: () => new FsObjectStore(join(root, `s${++seq}`)),
    teardown: () => rm(root, { recursive: true, force: true }),
  };
});

let s3: TestS3;
objectStoreContract('S3ObjectStore on s3rver (pages of 2 keys)', async () => {
  s3 = await startTestS3(['lake']);
  return {
    // A prefix per test keeps the tests apart in one bucket, and exercises the prefix option.
    store: () => new S3ObjectStore(s3.client, 'lake', { prefix: `stage-${++seq}/`, pageSize: 2, emulator: true }),
    partialWritesVisible: 's3rver streams a PutObject body into the object file in place; S3 itself shows an object only once whole',
    teardown: () => s3.stop(),
  };
});

describe('S3ObjectStore against S3 itself (mocked client)', () => {
  const mock = mockClientInBlock(S3Client);

  it('sends If-None-Match: * and maps 412 PreconditionFailed to ObjectExistsError', async () => {
    mock()
      .on(PutObjectCommand)
      .rejects(
        Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), {
          name: 'PreconditionFailed',
          $metadata: { httpStatusCode: 412 },
        }),
      );
    const store = new S3ObjectStore(new S3Client({ region: 'us-east-1' }), 'bronze');
    await expect(store.put('manifest.json', '{}', { ifNoneMatch: true })).rejects.toThrow(ObjectExistsError);
    expect(mock().commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'bronze',
      Key: 'manifest.json',
      IfNoneMatch: '*',
    });
  });

  it('deletes in batches of 1000 keys and reports keys S3 could not delete', async () => {
    mock().on(DeleteObjectsCommand).resolves({});
    const store = new S3ObjectStore(new S3Client({ region: 'us-east-1' }), 'silver', { prefix: 'p/' });
    await store.delete(Array.from({ length: 2500 }, (_, i) => `k${i}`));
    const batches = mock()
      .commandCalls(DeleteObjectsCommand)
      .map((c) => c.args[0].input.Delete?.Objects ?? []);
    expect(batches.map((b) => b.length)).toEqual([1000, 1000, 500]);
    expect(batches[2]?.[499]).toEqual({ Key: 'p/k2499' });

    mock()
      .on(DeleteObjectsCommand)
      .resolves({ Errors: [{ Key: 'p/k1', Code: 'AccessDenied', Message: 'Access Denied' }] });
    await expect(store.delete(['k1'])).rejects.toThrow(
      'S3 DeleteObjects of s3://silver/p/k1 failed: AccessDenied: Access Denied (1 of 1 keys not deleted)',
    );
  });

  it('copies with a fully encoded copy source when moving on S3', async () => {
    mock().on(CopyObjectCommand).resolves({});
    mock().on(DeleteObjectCommand).resolves({});
    await new S3ObjectStore(new S3Client({ region: 'us-east-1' }), 'gold').move('a/run=x y/f.parquet', 'a/b.parquet');
    expect(mock().commandCalls(CopyObjectCommand)[0]?.args[0].input).toMatchObject({
      CopySource: 'gold/a/run%3Dx%20y/f.parquet',
      Key: 'a/b.parquet',
    });
    expect(mock().commandCalls(DeleteObjectCommand)[0]?.args[0].input).toMatchObject({ Key: 'a/run=x y/f.parquet' });
  });
});

describe('S3 URIs', () => {
  it('builds and parses s3:// URIs with the prefix', () => {
    expect(new S3ObjectStore({} as never, 'gold', { prefix: 'dev/' }).uri('db/t/x.parquet')).toBe('s3://gold/dev/db/t/x.parquet');
    expect(parseS3Uri('s3://gold/dev/db/t/x.parquet')).toEqual({ bucket: 'gold', key: 'dev/db/t/x.parquet' });
    expect(parseS3Uri('s3://gold')).toEqual({ bucket: 'gold', key: '' });
    expect(() => parseS3Uri('file:///tmp/x')).toThrow(InvalidS3UriError);
  });
});
