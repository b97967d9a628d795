// Reads one bronze partition as Refine sees it: only the parts that hash indexes commit (a run that
// died before its index left orphan parts that nothing reads), in a stable order, line by line.
import { createGunzip } from 'node:zlib';
import type { ObjectStore } from '../../ports/object-store.js';
import { bronzeKeys } from '../ingest/bronze-layout.js';
import { decodeHashIndex } from '../ingest/hash-index.js';

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

/** A bronze part that cannot be read; its key tells which. */
export class BronzeReadError extends Error {
  constructor(readonly uri: string, detail: string) {
    super(`Bronze object ${uri} cannot be read (${detail}); restore it from the bucket's versions or rerun the window's ingestion.`);
    this.name = 'BronzeReadError';
  }
}

/** The committed parts of a partition, sorted by key so that every rebuild reads them alike. */
export async function committedParts(store: ObjectStore, source: string, anomesdia: string): Promise<CommittedPart[]> {
  const indexKeys: string[] = [];
  for await (const o of store.list(bronzeKeys.indexPrefix(source, anomesdia))) if (o.key.endsWith('.bin')) indexKeys.push(o.key);
  const parts = new Map<string, CommittedPart>();
  await Promise.all(
    indexKeys.map(async (key) => {
      const { header } = decodeHashIndex(await store.get(key), store.uri(key));
      for (const part of header.parts) parts.set(part, { key: part, runId: header.runId });
    }),
  );
  return [...parts.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * The parts' lines, part after part; loading starts at once, and up to `prefetch` parts are downloaded and decompressed ahead
 * while the caller works on the current one.
 */
export function readParts(store: ObjectStore, parts: readonly CommittedPart[], prefetch = 3): AsyncGenerator<{ part: CommittedPart; lines: string[] }> {
  const load = async (part: CommittedPart) => {
    const bytes = await store.get(part.key);
    try {
      return { part, lines: await gunzipLines(bytes) };
    } catch (err) {
      throw new BronzeReadError(store.uri(part.key), `not gzip: ${(err as Error).message}`);
    }
  };
  const ahead: Promise<{ part: CommittedPart; lines: string[] }>[] = [];
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
 * The lines of gzipped text (a last empty line dropped), decoded line by line from small decompressed
 * chunks: a whole part decompressed at once would take fresh memory (page faults) for its bytes and
 * again for its text.
 */
export function gunzipLines(bytes: Uint8Array): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    let rest: Buffer | undefined;
    const gunzip = createGunzip({ chunkSize: 64 * 1024 });
    gunzip.on('data', (chunk: Buffer) => {
      const data = rest ? Buffer.concat([rest, chunk]) : chunk;
      let at = 0;
      for (let nl = data.indexOf(10, at); nl >= 0; nl = data.indexOf(10, at)) {
        lines.push(data.toString('utf8', at, nl));
        at = nl + 1;
      }
      rest = at < data.length ? Buffer.from(data.subarray(at)) : undefined;
    });
    gunzip.once('error', reject);
    gunzip.once('end', () => {
      if (rest) lines.push(rest.toString('utf8'));
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
