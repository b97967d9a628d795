// File-drop trigger: a batch of SQS messages, each an EventBridge "Object Created" event of the bronze bucket,
// starts one execution per dropped-into source (lambdas/core/ingest/file-drop-trigger.ts decides which).
import { z } from 'zod';
import type { PipelineConfig } from '../core/config.js';
import { fileDropExecutions, type CreatedObject, type FileDropExecution } from '../core/ingest/file-drop-trigger.js';
import type { ExecutionStarter } from '../ports/execution-starter.js';
import { parseEvent } from './events.js';

const SqsBatchSchema = z.object({ Records: z.array(z.object({ messageId: z.string(), body: z.string() })) });

/** The part of an EventBridge S3 event the trigger reads; other fields are left alone. */
const ObjectCreatedSchema = z.object({
  'detail-type': z.literal('Object Created'),
  time: z.string(),
  detail: z.object({ object: z.object({ key: z.string() }) }),
});

export interface FileDropTriggerResult {
  started: { name: string; source: string; files: number }[];
  /** Names already taken: an execution of the same source and minute was started before. */
  existing: string[];
  /** Messages or keys that start nothing, and why. */
  ignored: { key: string; reason: string }[];
}

export interface FileDropTriggerDeps {
  config: PipelineConfig;
  starter: ExecutionStarter;
}

/**
 * Starts the batch's executions one after another. A failed start throws: SQS delivers the batch again, and the
 * executions that did start collide with their own names.
 */
export async function fileDropTriggerStep(event: unknown, deps: FileDropTriggerDeps): Promise<FileDropTriggerResult> {
  const batch = parseEvent('FileDropTrigger', SqsBatchSchema, event);
  const objects: CreatedObject[] = [];
  const ignored: FileDropTriggerResult['ignored'] = [];
  for (const record of batch.Records) {
    const parsed = ObjectCreatedSchema.safeParse(safeJson(record.body));
    // A message that is no S3 event would fail every delivery; it is told, not retried.
    if (!parsed.success) ignored.push({ key: `message ${record.messageId}`, reason: 'not an EventBridge "Object Created" event' });
    else objects.push({ key: parsed.data.detail.object.key, time: parsed.data.time });
  }
  const plan = fileDropExecutions(deps.config, objects);
  return { ...(await startAll(deps.starter, plan.executions)), ignored: [...ignored, ...plan.ignored] };
}

/** Starts each execution; shared with the local trigger (local/file-drop-trigger.ts). */
export async function startAll(
  starter: ExecutionStarter,
  executions: readonly FileDropExecution[],
): Promise<Pick<FileDropTriggerResult, 'started' | 'existing'>> {
  const started: FileDropTriggerResult['started'] = [];
  const existing: string[] = [];
  for (const e of executions) {
    if ((await starter.start(e.name, e.input)) === 'started') started.push({ name: e.name, source: e.source, files: e.files });
    else existing.push(e.name);
  }
  return { started, existing };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
