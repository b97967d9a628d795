// Reads one bronze partition as Refine sees it: only the parts that hash indexes commit (a run that
// died before its index left orphan parts that nothing reads), in a stable order, line by line.
import { promisify } from 'node:util';
import { gunzip as gunzipCallback } from 'node:zlib';
import type { ObjectStore } from '../../ports/object-store.js';
import { bronzeKeys } from '../ingest/bronze-layout.js';
import { decodeHashIndex } from '../ingest/hash-index.js';

const gunzip = promisify(gunzipCallback);

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
 * The parts' lines, part after part; up to `prefetch` parts are downloaded and decompressed ahead
 * while the caller works on the current one.
 */
export async function* readParts(store: ObjectStore, parts: readonly CommittedPart[], prefetch = 3): AsyncGenerator<{ part: CommittedPart; lines: string[] }> {
  const load = async (part: CommittedPart) => {
    const bytes = await store.get(part.key);
    let text: string;
    try {
      text = (await gunzip(bytes)).toString('utf8');
    } catch (err) {
      throw new BronzeReadError(store.uri(part.key), `not gzip: ${(err as Error).message}`);
    }
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    return { part, lines };
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
  fill();
  while (ahead.length > 0) {
    const current = await ahead.shift()!;
    fill();
    yield current;
  }
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
