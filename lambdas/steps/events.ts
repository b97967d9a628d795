// The event schemas the steps share (windows, summaries, per-source results) and the one way a step
// validates its event: every wrong field named in a StepEventError, never retried.
import { z } from 'zod';
import { StepEventError } from './errors.js';

export const WindowSchema = z.object({
  mode: z.enum(['hourly', 'daily', 'backfill']),
  from: z.string(),
  to: z.string(),
  anomesdias: z.array(z.string()),
});

export const SummarySchema = z.looseObject({ source: z.string(), rows_read: z.number(), rows_written: z.number() });

/** One item of the sources Map's result: the source's Ingest and Refine summaries. */
export const SourceResultSchema = z.looseObject({
  source: z.string(),
  ingest: z.object({ value: SummarySchema }),
  refine: z.object({ value: SummarySchema }),
});

/** The execution a step belongs to: the journey's holder, whose lease every journey write names. */
export const ExecutionSchema = z.string().default('local');

export const SourceEventSchema = z.object({ runId: z.string(), execution: ExecutionSchema, source: z.string(), window: WindowSchema });

export function parseEvent<T extends z.ZodType>(step: string, schema: T, event: unknown): z.output<T> {
  const result = schema.safeParse(event);
  if (!result.success) throw new StepEventError(step, result.error.issues);
  return result.data;
}
