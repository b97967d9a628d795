// Writes raw records to bronze as NDJSON.gz parts per anomesdia, skipping every record whose content
// hash the partition already holds, and commits each partition's parts with a hash index object.
//
// Commit protocol: parts first, then one hash index per partition naming the parts (the commit point
// that Refine and later dedupe read), then the run manifest. A run that dies before its indexes leaves
// only orphan parts that nothing reads; its rerun writes the records again under new part numbers.
import { once } from 'node:events';
import { createGzip, type Gzip } from 'node:zlib';
import type { Hash } from 'node:crypto';
import type { ObjectStore } from '../../ports/object-store.js';
import { bronzeKeys, partNumber } from './bronze-layout.js';
import { HashList64, HashSet64, decodeHashIndex, encodeHashIndex, newDigest } from './hash-index.js';
import { hashRecord } from './records.js';
import { InvariantError } from '../errors.js';
import { faultPoint } from '../faults.js';

export interface BronzeWriterOptions {
  store: ObjectStore;
  source: string;
  runId: string;
  /** ISO instant stamped on every line as `_ingested_at`. */
  ingestedAt: string;
  /** Records per part object (limits.bronzeRecordsPerFile). */
  recordsPerFile: number;
  /** Uncompressed bytes buffered across all partitions before the biggest buffer is written early [64 MiB]. */
  maxBufferedBytes?: number;
  /** gzip level, 1 (fast) to 9 (small) [3]: as small as 6 within 3%, at half the CPU. */
  gzipLevel?: number;
  /** Parts being compressed and uploaded at once, beyond which adding waits [2]. */
  maxPendingWrites?: number;
}

export interface BronzeRecordInput {
  record: Record<string, unknown>;
  anomesdia: string;
}

export interface BronzePartitionSummary {
  anomesdia: string;
  records_seen: number;
  records_new: number;
  /** Records whose content this partition already held (earlier runs, or earlier in this run). */
  records_duplicate: number;
  parts: string[];
  /** The hash index that commits the parts; absent when the run added nothing here. */
  index?: string;
  /** sha256 over the new records' content hashes, in write order. */
  digest?: string;
}

export interface BronzeCommit {
  partitions: BronzePartitionSummary[];
  records_seen: number;
  records_new: number;
  records_duplicate: number;
  /** Every object written: parts, then indexes. */
  objects: string[];
}

interface PartitionState {
  anomesdia: string;
  seen: HashSet64;
  firstPart: number;
  nextPart: number;
  /** The current part: full chunks are already in its gzip stream, `chunk` is filled up to `chunkAt`. */
  stream: PartStream | undefined;
  chunk: Buffer;
  chunkAt: number;
  /** Lines and bytes buffered for the current part. */
  lines: number;
  bytes: number;
  newKeys: HashList64;
  digest: Hash;
  parts: string[];
  recordsSeen: number;
  recordsNew: number;
  duplicates: number;
}

export class BronzeWriter {
  private readonly partitions = new Map<string, Promise<PartitionState>>();
  private readonly loaded = new Map<string, PartitionState>();
  private readonly pending = new Set<Promise<void>>();
  private buffered = 0;
  private failure: unknown;
  private committed = false;
  private readonly maxBufferedBytes: number;
  private readonly maxPendingWrites: number;
  private readonly pool = new ChunkPool();

  constructor(private readonly options: BronzeWriterOptions) {
    this.maxBufferedBytes = options.maxBufferedBytes ?? 64 * 1024 * 1024;
    this.maxPendingWrites = options.maxPendingWrites ?? 2;
  }

  /**
   * Adds records (new ones are buffered, known ones counted); waits when uploads fall behind. Returns the
   * counts and a fingerprint of the items' contents in order, from the content hashes it computes anyway.
   */
  async addAll(items: readonly BronzeRecordInput[]): Promise<{ added: number; duplicates: number; fingerprint: string }> {
    this.throwIfFailed();
    if (this.committed) throw new InvariantError('BronzeWriter: addAll after commit');
    const days = new Set<string>();
    for (const item of items) days.add(item.anomesdia);
    await Promise.all([...days].map((d) => this.partition(d)));
    const { ingestedAt, recordsPerFile } = this.options;
    let added = 0;
    let duplicates = 0;
    // Two polynomial lanes over the records' 64-bit hash prefixes (odd multipliers, so each step is a
    // bijection): equal contents in equal order give equal fingerprints, different ones collide ~2^-64.
    let laneHi = 0;
    let laneLo = 0;
    for (const { record, anomesdia } of items) {
      const state = this.loaded.get(anomesdia)!;
      const h = hashRecord(record);
      laneHi = (Math.imul(laneHi, 0x9e3779b1) + h.hi) | 0;
      laneLo = (Math.imul(laneLo, 0x85ebca77) + h.lo) | 0;
      state.recordsSeen++;
      if (!state.seen.add(h.hi, h.lo)) {
        state.duplicates++;
        duplicates++;
        continue;
      }
      added++;
      state.recordsNew++;
      state.newKeys.push(h.hi, h.lo);
      state.digest.update(h.hex);
      const written = this.appendLine(state, `{"_content_hash":"${h.hex}","_ingested_at":"${ingestedAt}","record":${h.json}}`);
      this.buffered += written;
      if (state.lines >= recordsPerFile) this.flush(state);
    }
    // Many partitions filling at once (a backfill) must not hold many parts' worth of lines.
    while (this.buffered > this.maxBufferedBytes) {
      let biggest: PartitionState | undefined;
      for (const s of this.loaded.values()) if (!biggest || s.bytes > biggest.bytes) biggest = s;
      if (!biggest || biggest.lines === 0) break;
      this.flush(biggest);
    }
    for (const state of this.loaded.values()) await state.stream?.drained();
    while (this.pending.size > this.maxPendingWrites) await Promise.race(this.pending);
    this.throwIfFailed();
    const fingerprint = `${items.length}:${(laneHi >>> 0).toString(16).padStart(8, '0')}${(laneLo >>> 0).toString(16).padStart(8, '0')}`;
    return { added, duplicates, fingerprint };
  }

  /** Writes the remaining parts, then each partition's hash index: from here the records count as ingested. */
  async commit(): Promise<BronzeCommit> {
    this.throwIfFailed();
    this.committed = true;
    for (const state of this.loaded.values()) if (state.lines > 0) this.flush(state);
    await Promise.all(this.pending);
    await faultPoint('ingest:after-parts');
    this.throwIfFailed();
    const { store, source, runId } = this.options;
    const partitions: BronzePartitionSummary[] = [];
    const indexes: string[] = [];
    const states = [...this.loaded.values()].sort((a, b) => a.anomesdia.localeCompare(b.anomesdia));
    await Promise.all(
      states.map(async (state) => {
        const summary: BronzePartitionSummary = {
          anomesdia: state.anomesdia,
          records_seen: state.recordsSeen,
          records_new: state.recordsNew,
          records_duplicate: state.duplicates,
          parts: state.parts,
        };
        partitions.push(summary);
        if (state.recordsNew === 0) return;
        const key = bronzeKeys.index(source, state.anomesdia, runId, state.firstPart);
        summary.digest = state.digest.digest('hex');
        const body = encodeHashIndex(
          {
            version: 1,
            source,
            anomesdia: state.anomesdia,
            runId,
            parts: state.parts,
            records: state.recordsNew,
            digest: summary.digest,
            created_at: this.options.ingestedAt,
          },
          state.newKeys,
        );
        await store.put(key, body, { contentType: 'application/octet-stream', ifNoneMatch: true });
        summary.index = key;
        indexes.push(key);
      }),
    );
    partitions.sort((a, b) => a.anomesdia.localeCompare(b.anomesdia));
    return {
      partitions,
      records_seen: partitions.reduce((n, p) => n + p.records_seen, 0),
      records_new: partitions.reduce((n, p) => n + p.records_new, 0),
      records_duplicate: partitions.reduce((n, p) => n + p.records_duplicate, 0),
      objects: [...partitions.flatMap((p) => p.parts), ...indexes.sort()],
    };
  }

  private partition(anomesdia: string): Promise<PartitionState> {
    let state = this.partitions.get(anomesdia);
    if (!state) {
      state = this.load(anomesdia).then((s) => {
        this.loaded.set(anomesdia, s);
        return s;
      });
      this.partitions.set(anomesdia, state);
    }
    return state;
  }

  /** The partition's committed content hashes, and the next part number free for this run id. */
  private async load(anomesdia: string): Promise<PartitionState> {
    const { store, source, runId } = this.options;
    const seen = new HashSet64(4096);
    const indexKeys: string[] = [];
    for await (const o of store.list(bronzeKeys.indexPrefix(source, anomesdia))) if (o.key.endsWith('.bin')) indexKeys.push(o.key);
    await Promise.all(
      indexKeys.map(async (key) => {
        const index = decodeHashIndex(await store.get(key), store.uri(key));
        index.forEachKey((hi, lo) => seen.add(hi, lo));
      }),
    );
    // A rerun under the same run id continues the part numbers: it never overwrites a part, committed or not.
    let maxPart = 0;
    for await (const o of store.list(bronzeKeys.runPrefix(source, anomesdia, runId))) maxPart = Math.max(maxPart, partNumber(o.key) ?? 0);
    return {
      anomesdia,
      seen,
      firstPart: maxPart + 1,
      nextPart: maxPart + 1,
      stream: undefined,
      chunk: EMPTY,
      chunkAt: 0,
      lines: 0,
      bytes: 0,
      newKeys: new HashList64(),
      digest: newDigest(),
      parts: [],
      recordsSeen: 0,
      recordsNew: 0,
      duplicates: 0,
    };
  }

  private flush(state: PartitionState): void {
    const { store, source, runId } = this.options;
    const key = bronzeKeys.part(source, state.anomesdia, runId, state.nextPart++);
    state.parts.push(key);
    this.buffered -= state.bytes;
    const stream = state.stream ?? this.newStream();
    if (state.chunkAt > 0) stream.write(state.chunk.subarray(0, state.chunkAt));
    state.stream = undefined;
    state.chunk = EMPTY;
    state.chunkAt = 0;
    state.lines = 0;
    state.bytes = 0;
    const write = (async () => {
      const body = await stream.end();
      await store.put(key, body, { contentType: 'application/gzip' });
    })().catch((err: unknown) => {
      this.failure ??= err;
    });
    this.pending.add(write);
    void write.finally(() => this.pending.delete(write));
  }

  /** Appends the line and a newline to the partition's current part; returns the bytes added. */
  private appendLine(state: PartitionState, line: string): number {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    if (state.chunkAt + line.length * 3 + 1 > state.chunk.length) {
      if (state.chunkAt > 0) (state.stream ??= this.newStream()).write(state.chunk.subarray(0, state.chunkAt));
      let size = Math.min(MAX_CHUNK_BYTES, Math.max(MIN_CHUNK_BYTES, 2 ** Math.ceil(Math.log2(state.bytes + 1))));
      while (size < line.length * 3 + 1) size *= 2;
      state.chunk = this.pool.take(size);
      state.chunkAt = 0;
    }
    const written = state.chunk.write(line, state.chunkAt, 'utf8') + 1;
    state.chunk[state.chunkAt + written - 1] = 0x0a;
    state.chunkAt += written;
    state.lines++;
    state.bytes += written;
    return written;
  }

  private newStream(): PartStream {
    return new PartStream(this.options.gzipLevel ?? 3, this.pool);
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * Lines are UTF-8 encoded straight into a part's chunks, never joined as one string. Chunks start small
 * (a backfill holds many partitions at once) and double up to 1 MiB; compressed parts give them back.
 */
const MIN_CHUNK_BYTES = 1 << 16;
const MAX_CHUNK_BYTES = 1 << 20;

/** Chunk buffers of the writer that are free again, by size. */
class ChunkPool {
  private readonly free = new Map<number, Buffer[]>();

  take(size: number): Buffer {
    return this.free.get(size)?.pop() ?? Buffer.allocUnsafe(size);
  }

  /** Takes back the whole buffer under a view of its filled bytes. */
  give(view: Buffer): void {
    const size = view.buffer.byteLength;
    if (view.byteOffset !== 0 || size < MIN_CHUNK_BYTES || size > MAX_CHUNK_BYTES) return;
    const list = this.free.get(size) ?? [];
    if (list.length < 64) list.push(Buffer.from(view.buffer, 0, size));
    this.free.set(size, list);
  }
}

/**
 * One part's gzip stream. Each full chunk is compressed as soon as it fills (on libuv's thread pool, in
 * parallel with fetching and hashing the next pages) and then goes back to the pool: a part holds its
 * compressed bytes only, and the same few chunks serve all parts.
 */
class PartStream {
  private readonly gzip: Gzip;
  private readonly out: Buffer[] = [];
  private readonly done: Promise<Buffer>;

  constructor(
    level: number,
    private readonly pool: ChunkPool,
  ) {
    this.gzip = createGzip({ level, chunkSize: 64 * 1024 });
    this.gzip.on('data', (c: Buffer) => this.out.push(c));
    this.done = new Promise<Buffer>((resolve, reject) => {
      this.gzip.once('error', reject);
      this.gzip.once('end', () => resolve(Buffer.concat(this.out)));
    });
    this.done.catch(() => undefined);
  }

  write(chunk: Buffer): void {
    this.gzip.write(chunk, (err) => {
      if (!err) this.pool.give(chunk);
    });
  }

  /** Waits while zlib is behind, so that filled chunks do not pile up. */
  async drained(): Promise<void> {
    if (this.gzip.writableNeedDrain) await Promise.race([once(this.gzip, 'drain'), this.done]);
  }

  end(): Promise<Buffer> {
    this.gzip.end();
    return this.done;
  }
}
