// Which file-drop executions a batch of "object created" events starts: one per enabled files source per batch,
// named by the source and the minute of its newest file, so that repeated starts collide instead of piling up.
import type { PipelineConfig } from '../config.js';
import { sha256Hex } from '../hashing.js';
import type { ExecutionInput } from '../plan.js';
import { fileDropKeys } from './bronze-layout.js';

/** An object created in the bronze bucket: its key and when S3 says it was created (ISO-8601). */
export interface CreatedObject {
  key: string;
  time: string;
}

export interface FileDropExecution {
  /** The Step Functions execution name: the same source and minute give the same name, which Step Functions takes once. */
  name: string;
  source: string;
  input: ExecutionInput & { mode: 'hourly'; sources: [string] };
  /** Files of the batch this execution answers (they may be ingested by an earlier one). */
  files: number;
}

export interface FileDropPlan {
  executions: FileDropExecution[];
  /** Keys that start nothing, with why: not under pending/<source>/, a folder marker, an unknown, http or disabled source. */
  ignored: { key: string; reason: string }[];
}

/** Step Functions execution names take at most 80 characters of [A-Za-z0-9_-]. */
const MAX_NAME = 80;

/**
 * The executions to start for a batch of created objects. An execution runs the hourly mode on its one source,
 * which ingests every file then under pending/<source>/ (also those of later events): a batch of a thousand
 * files starts one execution per source, and batches in the same minute name the same execution.
 */
export function fileDropExecutions(config: PipelineConfig, objects: readonly CreatedObject[]): FileDropPlan {
  const newest = new Map<string, { time: number; files: number }>();
  const ignored: FileDropPlan['ignored'] = [];
  for (const o of objects) {
    const source = sourceOfKey(config, o.key);
    if (typeof source !== 'string') {
      ignored.push({ key: o.key, reason: source.reason });
      continue;
    }
    const time = Date.parse(o.time);
    const seen = newest.get(source);
    const at = Number.isNaN(time) ? (seen?.time ?? 0) : time;
    newest.set(source, { time: Math.max(seen?.time ?? 0, at), files: (seen?.files ?? 0) + 1 });
  }
  const executions = [...newest.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([source, { time, files }]) => {
      const minute = new Date(Math.floor(time / 60_000) * 60_000).toISOString();
      return { name: executionName(source, minute), source, input: { mode: 'hourly' as const, sources: [source] as [string] }, files };
    });
  return { executions, ignored };
}

/** The source a pending file belongs to, or why the key starts nothing. */
function sourceOfKey(config: PipelineConfig, key: string): string | { reason: string } {
  const match = /^pending\/([^/]+)\/(.*)$/.exec(key);
  if (!match) return { reason: `not under ${fileDropKeys.pending('<source>')}` };
  const [, name, rest] = match as unknown as [string, string, string];
  // Folder markers that S3 consoles create have nothing to ingest (listPending skips them too).
  if (rest === '' || rest.endsWith('/')) return { reason: 'a folder marker' };
  const source = config.sources.find((s) => s.name === name);
  if (!source) return { reason: `"${name}" is not a declared source` };
  if (source.kind !== 'files') return { reason: `"${name}" is an ${source.kind} source, not a file drop` };
  if (!source.enabled) return { reason: `"${name}" is disabled (enabled: false)` };
  return name;
}

/** `filedrop-<source>-<yyyymmddThhmm>`; a source name too long for it is cut and told apart by a short hash. */
export function executionName(source: string, minute: string): string {
  const stamp = minute.slice(0, 16).replace(/[-:]/g, '');
  const fixed = `filedrop--${stamp}`.length;
  const room = MAX_NAME - fixed;
  const name = source.length <= room ? source : `${source.slice(0, room - 9)}-${sha256Hex(source).slice(0, 8)}`;
  return `filedrop-${name}-${stamp}`;
}
