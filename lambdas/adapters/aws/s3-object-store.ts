// One S3 bucket (optionally under a key prefix) as an ObjectStore.
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { ObjectInfo, ObjectStore, PutOptions } from '../../ports/object-store.js';
import { ObjectExistsError, ObjectNotFoundError } from '../../ports/errors.js';
import { InvalidS3UriError, S3OperationError } from './errors.js';

export interface S3ObjectStoreOptions {
  /** Prepended to every key, e.g. `stage-a/`. */
  prefix?: string;
  /** Keys per ListObjectsV2 page (default 1000, S3's maximum). */
  pageSize?: number;
  /**
   * Talking to s3rver 3.7 rather than S3. It ignores `If-None-Match` on PUT, so a conditional put checks
   * with HeadObject first (not atomic: for tests and local runs only; real S3 enforces the header itself),
   * and it decodes the copy source with decodeURI, so `=` and `:` are left unescaped there.
   */
  emulator?: boolean;
}

/** `s3://bucket/some/key` -> { bucket, key } (the key may be empty for a bucket's root). */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match?.[1]) throw new InvalidS3UriError(uri);
  return { bucket: match[1], key: match[2] ?? '' };
}

const DELETE_BATCH = 1000;

function errorName(err: unknown): string | undefined {
  return (err as { name?: string; Code?: string }).name ?? (err as { Code?: string }).Code;
}

function statusCode(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

export class S3ObjectStore implements ObjectStore {
  private readonly prefix: string;

  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    private readonly options: S3ObjectStoreOptions = {},
  ) {
    this.prefix = options.prefix ?? '';
  }

  uri(key: string): string {
    return `s3://${this.bucket}/${this.prefix}${key}`;
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<void> {
    if (options.ifNoneMatch && this.options.emulator && (await this.head(key))) throw new ObjectExistsError(this.uri(key));
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.prefix + key,
          Body: body,
          ContentType: options.contentType,
          ContentEncoding: options.contentEncoding,
          IfNoneMatch: options.ifNoneMatch && !this.options.emulator ? '*' : undefined,
        }),
      );
    } catch (err) {
      if (errorName(err) === 'PreconditionFailed' || statusCode(err) === 412) throw new ObjectExistsError(this.uri(key));
      throw new S3OperationError('PutObject', this.uri(key), err);
    }
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
      if (!out.Body) throw new ObjectNotFoundError(this.uri(key));
      return await out.Body.transformToByteArray();
    } catch (err) {
      if (err instanceof ObjectNotFoundError) throw err;
      if (errorName(err) === 'NoSuchKey' || statusCode(err) === 404) throw new ObjectNotFoundError(this.uri(key));
      throw new S3OperationError('GetObject', this.uri(key), err);
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
      return { key, size: out.ContentLength ?? 0, lastModified: out.LastModified };
    } catch (err) {
      if (errorName(err) === 'NotFound' || errorName(err) === 'NoSuchKey' || statusCode(err) === 404) return undefined;
      throw new S3OperationError('HeadObject', this.uri(key), err);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const pages = paginateListObjectsV2(
      { client: this.client, pageSize: this.options.pageSize ?? 1000 },
      { Bucket: this.bucket, Prefix: this.prefix + prefix },
    );
    try {
      for await (const page of pages) {
        for (const o of page.Contents ?? []) {
          if (o.Key === undefined) continue;
          yield { key: o.Key.slice(this.prefix.length), size: o.Size ?? 0, lastModified: o.LastModified };
        }
      }
    } catch (err) {
      throw new S3OperationError('ListObjectsV2', this.uri(prefix), err);
    }
  }

  /** CopyObject then DeleteObject: interrupted between the two, the object exists twice, never zero times. */
  async move(fromKey: string, toKey: string): Promise<void> {
    const raw = `${this.bucket}/${this.prefix}${fromKey}`;
    const source = this.options.emulator ? encodeURI(raw) : raw.split('/').map(encodeURIComponent).join('/');
    try {
      await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: this.prefix + toKey, CopySource: source }));
    } catch (err) {
      if (errorName(err) === 'NoSuchKey' || statusCode(err) === 404) throw new ObjectNotFoundError(this.uri(fromKey));
      throw new S3OperationError('CopyObject', this.uri(fromKey), err);
    }
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.prefix + fromKey }));
    } catch (err) {
      throw new S3OperationError('DeleteObject', this.uri(fromKey), err);
    }
  }

  /** DeleteObjects in batches of 1000 (S3's maximum per request); a key that is already absent is not an error. */
  async delete(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      let errors;
      try {
        const out = await this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: batch.map((key) => ({ Key: this.prefix + key })), Quiet: true },
          }),
        );
        errors = out.Errors ?? [];
      } catch (err) {
        throw new S3OperationError('DeleteObjects', this.uri(batch[0] ?? ''), err);
      }
      const first = errors[0];
      if (first) {
        throw new S3OperationError('DeleteObjects', `s3://${this.bucket}/${first.Key ?? ''}`, {
          name: first.Code,
          message: `${first.Message ?? ''} (${errors.length} of ${batch.length} keys not deleted)`,
        });
      }
    }
  }
}
