// The file drop (seed 002): JSON and NDJSON files under pending/<source>/ in the bronze bucket.
// A file moves to done/ only after its rows are committed to bronze; an unreadable one moves to error/
// with a reason file beside it. Nothing is deleted: a move copies, then removes the pending copy.
import type { ObjectStore } from '../../ports/object-store.js';
import { fileDropKeys } from './bronze-layout.js';
import { isRecordObject } from './records.js';
import { UnreadableFileError } from './errors.js';

export interface DroppedFile {
  key: string;
  /** The path under pending/<source>/, kept under done/ and error/. */
  name: string;
}

export async function listPending(store: ObjectStore, source: string): Promise<DroppedFile[]> {
  const prefix = fileDropKeys.pending(source);
  const files: DroppedFile[] = [];
  for await (const o of store.list(prefix)) {
    const name = o.key.slice(prefix.length);
    // Folder markers that S3 consoles create have nothing to ingest.
    if (name === '' || name.endsWith('/')) continue;
    files.push({ key: o.key, name });
  }
  return files;
}

/**
 * The records of a dropped file: `.ndjson`/`.jsonl` hold one JSON object per line; `.json` holds an
 * array of objects or one object. Anything else, or any line that is not an object, makes the whole
 * file unreadable: a partly ingested file could not be told apart from a complete one.
 */
export function parseDroppedFile(key: string, bytes: Uint8Array, defaultFormat: 'json' | 'ndjson'): Record<string, unknown>[] {
  const lower = key.toLowerCase();
  const format = lower.endsWith('.ndjson') || lower.endsWith('.jsonl') ? 'ndjson' : lower.endsWith('.json') ? 'json' : undefined;
  if (!format) throw new UnreadableFileError(key, `not a .json or .ndjson file (the ${defaultFormat} drop takes only these extensions)`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UnreadableFileError(key, 'not UTF-8 text');
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (format === 'json') {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new UnreadableFileError(key, `not JSON: ${(err as Error).message}`);
    }
    const records = Array.isArray(value) ? value : [value];
    records.forEach((r, i) => {
      if (!isRecordObject(r)) throw new UnreadableFileError(key, `element ${i} is not a JSON object`);
    });
    return records as Record<string, unknown>[];
  }
  const records: Record<string, unknown>[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new UnreadableFileError(key, `line ${i + 1} is not JSON: ${(err as Error).message}`);
    }
    if (!isRecordObject(value)) throw new UnreadableFileError(key, `line ${i + 1} is not a JSON object`);
    records.push(value);
  }
  return records;
}

/**
 * The target key, or, when an earlier file of the same name is already there, the same name under
 * `run=<runId>[-n]/` beside it, so that no earlier file (or its reason file) is overwritten.
 */
export async function freeTarget(store: ObjectStore, target: string, runId: string): Promise<string> {
  let to = target;
  for (let n = 1; (await store.head(to)) !== undefined; n++) {
    const slash = target.indexOf('/', target.indexOf('/') + 1);
    to = `${target.slice(0, slash)}/run=${runId}${n > 1 ? `-${n}` : ''}${target.slice(slash)}`;
  }
  return to;
}

/** Moves a file to a free key (see freeTarget) and returns that key. */
export async function moveWithoutOverwrite(store: ObjectStore, fromKey: string, target: string, runId: string): Promise<string> {
  const to = await freeTarget(store, target, runId);
  await store.move(fromKey, to);
  return to;
}

/** The reason file written beside a file moved to error/. */
export function reasonKey(errorKey: string): string {
  return `${errorKey}.reason.txt`;
}
