// Reads one bronze partition as Refine sees it: only the parts that hash indexes commit (a run that
// died before its index left orphan parts that nothing reads), in a stable order, line by line.
import { createGunzip } from 'node:zlib';
import type { ObjectStore } from '../../ports/object-store.js';
import { bronzeKeys } from '../ingest/bronze-layout.js';
import { decodeHashIndex } from '../ingest/hash-index.js';
import { BronzeReadError } from './errors.js';
import { InvariantError } from '../errors.js';

export interface CommittedPart {
  key: string;
  /** The ingestion run that wrote the part. */
  runId: string;
}

/** A bronze line: the record's content hash, when it was ingested, and the raw record. */
export interface BronzeLine {
  _content_hash: string;
  _ingested_at: string;
  record: Record<string, unknown>;
}

/** What a partition's hash indexes commit: its parts, how many commits (indexes) and how many records. */
export interface CommittedBronze {
  /** Sorted by key, so that every rebuild reads them alike. */
  parts: CommittedPart[];
  /** Hash indexes: each ingestion commit adds one and none is ever removed, so the count only grows. */
  commits: number;
  /** Records the indexes commit: the lines the parts must hold. */
  records: number;
}

/** The committed bronze of a partition. */
export async function committedParts(store: ObjectStore, source: string, anomesdia: string): Promise<CommittedBronze> {
  const indexKeys: string[] = [];
  for await (const o of store.list(bronzeKeys.indexPrefix(source, anomesdia))) if (o.key.endsWith('.bin')) indexKeys.push(o.key);
  const parts = new Map<string, CommittedPart>();
  let records = 0;
  await Promise.all(
    indexKeys.map(async (key) => {
      const { header } = decodeHashIndex(await store.get(key), store.uri(key));
      records += header.records;
      for (const part of header.parts) parts.set(part, { key: part, runId: header.runId });
    }),
  );
  return { parts: [...parts.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)), commits: indexKeys.length, records };
}

/**
 * The parts' lines, part after part; loading starts at once, and up to `prefetch` parts are downloaded and decompressed ahead
 * while the caller works on the current one.
 */
export function readParts(
  store: ObjectStore,
  parts: readonly CommittedPart[],
  prefetch = 3,
): AsyncGenerator<{ part: CommittedPart; lines: PartLines }> {
  const load = async (part: CommittedPart) => {
    const bytes = await store.get(part.key);
    try {
      return { part, lines: await gunzipLines(bytes) };
    } catch (err) {
      throw new BronzeReadError(store.uri(part.key), `not gzip: ${(err as Error).message}`);
    }
  };
  const ahead: Promise<{ part: CommittedPart; lines: PartLines }>[] = [];
  let next = 0;
  const fill = () => {
    while (ahead.length < prefetch && next < parts.length) {
      const p = load(parts[next++]!);
      p.catch(() => undefined);
      ahead.push(p);
    }
  };
  // The first parts load from the call on, before the caller iterates (it may still be busy elsewhere).
  fill();
  return (async function* () {
    while (ahead.length > 0) {
      const current = await ahead.shift()!;
      fill();
      yield current;
    }
  })();
}

/**
 * The lines of a decompressed part, kept as the decompressed chunks (outside the JavaScript heap) with
 * each line's chunk and offsets: a line becomes a string only when it is read, and dies young. Holding a
 * whole part's lines as strings made them outlive garbage collections and get copied into the old
 * generation; joining the chunks into one buffer cost a copy of every byte.
 */
class PartLines {
  private readonly chunks: Buffer[] = [];
  private chunkOf = new Uint16Array(1024);
  private starts = new Uint32Array(1024);
  private ends = new Uint32Array(1024);
  length = 0;

  /** Line i (0-based) as text. */
  line(i: number): string {
    return this.chunks[this.chunkOf[i]!]!.toString('utf8', this.starts[i], this.ends[i]);
  }

  toArray(): string[] {
    return Array.from({ length: this.length }, (_, i) => this.line(i));
  }

  /** Adds a chunk and returns its index. */
  addChunk(chunk: Buffer): number {
    if (this.chunks.length === 0xffff) throw new InvariantError('a bronze part has more than 65,535 decompressed chunks');
    return this.chunks.push(chunk) - 1;
  }

  addLine(chunk: number, start: number, end: number): void {
    if (this.length === this.starts.length) {
      const grow = <T extends Uint16Array | Uint32Array>(a: T): T => {
        const next = new (a.constructor as new (n: number) => T)(a.length * 2);
        next.set(a);
        return next;
      };
      this.chunkOf = grow(this.chunkOf);
      this.starts = grow(this.starts);
      this.ends = grow(this.ends);
    }
    this.chunkOf[this.length] = chunk;
    this.starts[this.length] = start;
    this.ends[this.length++] = end;
  }
}

/** The lines of gzipped text (a last empty line dropped), decompressed off the main thread in 1 MiB chunks. */
export function gunzipLines(bytes: Uint8Array): Promise<PartLines> {
  return new Promise((resolve, reject) => {
    const lines = new PartLines();
    /** The start of a line that the previous chunk did not end. */
    let rest: Buffer | undefined;
    const gunzip = createGunzip({ chunkSize: 1 << 20 });
    gunzip.on('data', (chunk: Buffer) => {
      let at = 0;
      if (rest) {
        const nl = chunk.indexOf(10);
        if (nl < 0) {
          rest = Buffer.concat([rest, chunk]);
          return;
        }
        // A line across chunks: its two pieces joined into a chunk of its own.
        lines.addLine(lines.addChunk(Buffer.concat([rest, chunk.subarray(0, nl)])), 0, rest.length + nl);
        rest = undefined;
        at = nl + 1;
      }
      const index = lines.addChunk(chunk);
      for (let nl = chunk.indexOf(10, at); nl >= 0; nl = chunk.indexOf(10, at)) {
        lines.addLine(index, at, nl);
        at = nl + 1;
      }
      if (at < chunk.length) rest = chunk.subarray(at);
    });
    gunzip.once('error', reject);
    gunzip.once('end', () => {
      if (rest) lines.addLine(lines.addChunk(rest), 0, rest.length);
      resolve(lines);
    });
    gunzip.end(bytes);
  });
}

export function parseBronzeLine(text: string, uri: string, line: number): BronzeLine {
  try {
    const parsed = JSON.parse(text) as BronzeLine;
    if (parsed && typeof parsed === 'object' && parsed.record && typeof parsed.record === 'object') return parsed;
  } catch {
    // Reported below with the position.
  }
  throw new BronzeReadError(uri, `line ${line} is not a bronze record line`);
}
