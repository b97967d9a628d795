// The file drop (seed 002): JSON and NDJSON files under pending/<source>/ in the bronze bucket.
// A file moves to done/ only after its rows are committed to bronze; an unreadable one moves to error/
// with a reason file beside it. Nothing is deleted: a move copies, then removes the pending copy.
import type { ObjectStore } from '../../ports/object-store.js';
import { fileDropKeys } from './bronze-layout.js';
import { isRecordObject } from './records.js';
import { UnreadableFileError } from './errors.js';
import { sha256Hex } from '../hashing.js';

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

/** Extensions of the data files a drop takes; which of them a file has does not change how it is read. */
const DATA_EXTENSIONS = ['.json', '.ndjson', '.jsonl'];

const FORMAT_WORDS = { json: 'one JSON array of objects (or one object) per file', ndjson: 'one JSON object per line' } as const;

/**
 * The records of a dropped file, read in the source's declared `files.format`: `ndjson` holds one JSON
 * object per line, `json` one array of objects (or one object). The extension only says that a file
 * is data (`.json`, `.ndjson` or `.jsonl`, whatever the format); content of the other format, or any
 * line or element that is not an object, makes the whole file unreadable, naming the declared format
 * and what was found: a partly ingested file could not be told apart from a complete one. An empty
 * (or blank) file holds no record in either format.
 */
export function parseDroppedFile(key: string, bytes: Uint8Array, format: 'json' | 'ndjson'): Record<string, unknown>[] {
  const lower = key.toLowerCase();
  if (!DATA_EXTENSIONS.some((ext) => lower.endsWith(ext)))
    throw new UnreadableFileError(key, `not a ${DATA_EXTENSIONS.join(', ')} file (a file drop takes only these extensions)`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UnreadableFileError(key, 'not UTF-8 text');
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const declared = `files.format is "${format}" (${FORMAT_WORDS[format]})`;
  // An export of nothing is an empty file in either format: no record, and nothing wrong.
  if (text.trim() === '') return [];
  return format === 'json' ? parseJsonFile(key, text, declared) : parseNdjsonFile(key, text, declared);
}

function parseJsonFile(key: string, text: string, declared: string): Record<string, unknown>[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    if (looksLikeNdjson(text)) throw new UnreadableFileError(key, `${declared}, but the file holds NDJSON (one JSON object per line)`);
    throw new UnreadableFileError(key, `not JSON: ${(err as Error).message}`);
  }
  const records = Array.isArray(value) ? value : [value];
  records.forEach((r, i) => {
    if (!isRecordObject(r))
      throw new UnreadableFileError(
        key,
        Array.isArray(value) ? `element ${i} is not a JSON object` : `${declared}, but the file holds ${kindOf(r)}`,
      );
  });
  return records as Record<string, unknown>[];
}

function parseNdjsonFile(key: string, text: string, declared: string): Record<string, unknown>[] {
  const records: Record<string, unknown>[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      if (records.length === 0) {
        const whole = wholeDocument(text);
        if (whole !== undefined)
          throw new UnreadableFileError(key, `${declared}, but the file holds ${kindOf(whole)} over several lines (the "json" format)`);
      }
      throw new UnreadableFileError(key, `line ${i + 1} is not JSON: ${(err as Error).message}`);
    }
    if (Array.isArray(value) && records.length === 0 && lines.slice(i + 1).every((l) => l.trim() === ''))
      throw new UnreadableFileError(key, `${declared}, but the file holds a JSON array (the "json" format)`);
    if (!isRecordObject(value)) throw new UnreadableFileError(key, `line ${i + 1} is not a JSON object but ${kindOf(value)}`);
    records.push(value);
  }
  return records;
}

/** The file as one JSON document, or undefined when it is not one. */
function wholeDocument(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Two or more lines, the first two each a JSON object: NDJSON given to a json source. */
function looksLikeNdjson(text: string): boolean {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return lines.length >= 2 && lines.slice(0, 2).every((l) => isRecordObject(wholeDocument(l)));
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'a JSON array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'a JSON object' : `a JSON ${typeof value}`;
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

const REASON_SUFFIX = '.reason.txt';
/**
 * The longest path segment, in UTF-8 bytes, of a name under error/: with the reason suffix and the
 * temporary suffix a file-system store adds while writing, it stays under the 255 bytes file systems
 * allow a file name.
 */
const MAX_SEGMENT_BYTES = 160;
/** The longest name under error/, so that with its prefixes the key stays far below S3's 1,024 bytes. */
const MAX_NAME_BYTES = 600;

/**
 * The name a dropped file keeps under error/: its own when every segment fits, else each long segment
 * cut (at a character boundary) and marked with `~` and a hash of the whole original name, which keeps
 * two long names apart; the extension is kept. The reason file records the original name.
 */
export function boundedName(name: string): string {
  const segments = name.split('/');
  if (Buffer.byteLength(name) <= MAX_NAME_BYTES && segments.every((s) => Buffer.byteLength(s) <= MAX_SEGMENT_BYTES)) return name;
  const mark = `~${sha256Hex(name).slice(0, 12)}`;
  const last = segments.pop()!;
  const dot = last.lastIndexOf('.');
  const ext = dot > 0 && Buffer.byteLength(last) - Buffer.byteLength(last.slice(0, dot)) <= 12 ? last.slice(dot) : '';
  const stem = last.slice(0, last.length - ext.length);
  const file = `${cutToBytes(stem, MAX_SEGMENT_BYTES - Buffer.byteLength(mark) - Buffer.byteLength(ext))}${mark}${ext}`;
  const folders = segments.map((s) => (Buffer.byteLength(s) <= MAX_SEGMENT_BYTES ? s : cutToBytes(s, MAX_SEGMENT_BYTES)));
  const bounded = [...folders, file].join('/');
  return Buffer.byteLength(bounded) <= MAX_NAME_BYTES ? bounded : file;
}

/** The longest prefix of a text within `max` UTF-8 bytes, never splitting a character. */
function cutToBytes(text: string, max: number): string {
  let bytes = 0;
  let out = '';
  for (const ch of text) {
    bytes += Buffer.byteLength(ch);
    if (bytes > max) break;
    out += ch;
  }
  return out;
}

/** The reason file written beside a file moved to error/ (whose name boundedName keeps short enough for it). */
export function reasonKey(errorKey: string): string {
  return `${errorKey}${REASON_SUFFIX}`;
}
