// The ObjectStore port: one bucket (or one folder of the local lake) seen as keys and bytes.
export interface ObjectInfo {
  key: string;
  size: number;
  lastModified?: Date;
}

export interface PutOptions {
  contentType?: string;
  contentEncoding?: string;
  /** Write only when no object has this key yet; a second writer gets ObjectExistsError. */
  ifNoneMatch?: boolean;
}

export interface ObjectStore {
  /** The URI of a key in this store: `s3://bucket/key` in AWS, `file:///...` locally. */
  uri(key: string): string;
  put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<void>;
  /** The object's bytes; throws ObjectNotFoundError when absent. */
  get(key: string): Promise<Uint8Array>;
  /** Size and time of an object, or undefined when absent. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Every object under a prefix, in key order, following continuation tokens. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Copies then deletes: never loses the object if interrupted between the two. */
  move(fromKey: string, toKey: string): Promise<void>;
  delete(keys: readonly string[]): Promise<void>;
}
