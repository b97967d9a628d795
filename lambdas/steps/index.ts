// The pipeline's steps by the name of the Lambda function that runs each: the handlers and the local
// runner call the same functions, so AWS and `npm start` run the same code behind the same state machine.
import { completeStep } from './complete.js';
import { consolidateFunctionStep } from './consolidate.js';
import { failStep } from './fail.js';
import { goldTablesStep } from './gold-tables.js';
import { ingestStep } from './ingest.js';
import { planStep } from './plan.js';
import { refineStep } from './refine.js';
import type { PipelineRuntime } from './runtime.js';
import type { StepContext } from './types.js';

export type StepFunction = (event: unknown, runtime: PipelineRuntime, context?: StepContext) => Promise<unknown>;

export const STEPS = {
  plan: planStep,
  ingest: ingestStep,
  refine: refineStep,
  consolidate: consolidateFunctionStep,
  goldTables: goldTablesStep,
  complete: completeStep,
  fail: failStep,
} satisfies Record<string, StepFunction>;

export type StepName = keyof typeof STEPS;
