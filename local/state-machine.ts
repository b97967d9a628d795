// Runs the synthesized pipeline state machine locally: the definition `cdk synth` produces, with its
// Lambda tasks bound to the same step functions the handlers call, on aws-local-stepfunctions.
import './polyfills.js';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type CfnElement } from 'aws-cdk-lib';
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { PipelineConfig } from '../lambdas/core/config.js';
import { STEPS, type StepName } from '../lambdas/steps/index.js';
import type { PipelineRuntime } from '../lambdas/steps/runtime.js';
import { toStepFunctionsError } from '../lambdas/core/errors.js';

import { PipelineStack } from '../lib/pipeline-stack.js';
import { dataLakeForLocalSynth } from './data-lake.js';

type JSONValue = Parameters<StateMachine['run']>[0];

const LOCAL_PARTITION = 'aws';
const LOCAL_REGION = 'local-1';
const LOCAL_ACCOUNT = '000000000000';

export interface SynthesizedPipeline {
  definition: StateMachineDefinition;
  /** Which step each Lambda ARN in the definition runs. */
  stepByFunctionArn: Map<string, StepName>;
}

/**
 * Synthesizes the PipelineStack exactly as `cdk synth` does (Lambda bundling skipped: the code runs
 * in-process), takes the state machine's DefinitionString and resolves its tokens to local ARNs.
 */
export function synthesizePipeline(config: PipelineConfig): SynthesizedPipeline {
  const outdir = mkdtempSync(join(tmpdir(), 'medallion-synth-'));
  try {
    // No bundling (the code runs in-process) and no CloudFormation schema validation (a WASM engine taking
    // 15 s or more here; the CDK tests run it): only the definition is used.
    const app = new App({ outdir, builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
    const env = { account: LOCAL_ACCOUNT, region: LOCAL_REGION };
    const lake = dataLakeForLocalSynth(app, config, env);
    const stack = new PipelineStack(app, 'LocalPipeline', { config, dataLake: lake, env });
    const template = app.synth().getStackByName(stack.stackName).template as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const machines = Object.values(template.Resources).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');
    if (machines.length !== 1) throw new Error(`Expected one state machine in the pipeline stack, found ${machines.length}`);
    const logicalIds = new Map<string, StepName>();
    for (const [step, fn] of Object.entries(stack.functions.functions) as [StepName, { node: { defaultChild?: unknown } }][]) {
      logicalIds.set(stack.getLogicalId(fn.node.defaultChild as CfnElement), step);
    }
    const text = resolveTokens(machines[0]!.Properties.DefinitionString, (token) => {
      if ('Ref' in token) {
        const ref = token.Ref as string;
        if (ref === 'AWS::Partition') return LOCAL_PARTITION;
        if (ref === 'AWS::Region') return LOCAL_REGION;
        if (ref === 'AWS::AccountId') return LOCAL_ACCOUNT;
        // A topic's Ref is its ARN.
        return `arn:${LOCAL_PARTITION}:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${ref}`;
      }
      if ('Fn::GetAtt' in token) {
        const [id, attribute] = token['Fn::GetAtt'] as [string, string];
        if (attribute === 'Arn' && logicalIds.has(id)) return functionArn(id);
      }
      throw new Error(`Cannot resolve ${JSON.stringify(token)} in the state machine definition for a local run`);
    });
    const stepByFunctionArn = new Map([...logicalIds].map(([id, step]) => [functionArn(id), step]));
    return { definition: JSON.parse(text) as StateMachineDefinition, stepByFunctionArn };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function functionArn(logicalId: string): string {
  return `arn:${LOCAL_PARTITION}:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${logicalId}`;
}

/** Turns a CloudFormation string value (plain, or Fn::Join of strings and tokens) into text. */
function resolveTokens(value: unknown, resolve: (token: Record<string, unknown>) => string): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'Fn::Join' in value) {
    const [separator, parts] = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
    return parts.map((p) => resolveTokens(p, resolve)).join(separator);
  }
  if (value && typeof value === 'object') return resolve(value as Record<string, unknown>);
  throw new Error(`Unexpected value in a DefinitionString: ${JSON.stringify(value)}`);
}

export interface LocalEvent {
  type: string;
  state?: string;
  index?: number;
  timestamp: number;
  error?: string;
}

export interface RunOptions {
  /** Called with every state event: progress display, tests. */
  onEvent?: (event: LocalEvent) => void;
  /** Receives what the Notify state publishes to SNS. */
  onNotify?: (message: unknown, subject?: string) => void;
  /** Milliseconds between retries [50]: the definition's back-off is minutes, a laptop run should not wait. */
  retryDelayMs?: number;
  /**
   * Runs the consolidate Glue job as glue:startJobRun.sync does: resolves with the run (Glue's JobRun) once
   * it ended, and a run that did not succeed fails the task with States.TaskFailed. Without it a Glue task
   * fails the execution: there is no Glue locally (the local runtime has no Glue runner, so it never hands
   * a partition to Glue).
   */
  glue?: (request: GlueJobRunRequest) => Promise<GlueJobRun>;
}

/** What the Glue task starts the job with: its name and arguments (`--spec_uri`). */
export interface GlueJobRunRequest {
  JobName: string;
  Arguments: Record<string, string>;
}

/** The part of Glue's JobRun the state machine reads. */
export interface GlueJobRun {
  Id: string;
  JobRunState: string;
  ErrorMessage?: string;
  [key: string]: unknown;
}

/** The largest payload one state carried: its input, its output, or a task's raw result (a Lambda's response, say). */
export interface LargestState {
  state: string;
  what: 'input' | 'output' | 'task result';
  bytes: number;
}

export type LocalRunOutcome = (
  { status: 'SUCCEEDED'; output: unknown; executionId: string } | { status: 'FAILED'; error: string; cause: string; executionId: string }
) & { largestState?: LargestState };

/**
 * Runs one execution. Each Lambda task state is bound by its state name to the step its FunctionName
 * designates, and sees exactly what the Lambda integration would: the task's Payload in, and back out
 * an integration result `{Payload, StatusCode, ExecutedVersion}`; an error keeps its name (so Retry and
 * Catch match as in AWS) and carries Lambda's JSON cause. The SNS task goes to `onNotify`, the Glue task
 * to `glue`. Every task's TimeoutSeconds applies as in AWS (the definition sets one on each).
 */
export async function runPipeline(
  pipeline: SynthesizedPipeline,
  runtime: PipelineRuntime,
  input: JSONValue,
  options: RunOptions = {},
): Promise<LocalRunOutcome> {
  const machine = new StateMachine(pipeline.definition);
  // Step Functions fails an execution whose state input or output, or a task's result, is above 256 KB: so does the local run.
  let overLimit: { error: string; cause: string } | undefined;
  let largestState: LargestState | undefined;
  let abort = () => {};
  const measure = (state: string, what: LargestState['what'], data: unknown) => {
    const bytes = Buffer.byteLength(JSON.stringify(data ?? null), 'utf8');
    if (!largestState || bytes > largestState.bytes) largestState = { state, what, bytes };
    if (!overLimit && bytes > STATE_DATA_LIMIT_BYTES) {
      overLimit = {
        error: 'States.DataLimitExceeded',
        cause: `The ${what} of state "${state}" is ${bytes} bytes, above the ${STATE_DATA_LIMIT_BYTES} bytes Step Functions allows`,
      };
      abort();
    }
  };
  const handlers: Record<string, (input: JSONValue) => Promise<JSONValue>> = {};
  // A failed branch of a Map ends the execution while other branches' steps still run, as in AWS, where
  // their Lambdas finish on their own: the run returns only once they have, so nothing writes after it.
  const inFlight = new Set<Promise<unknown>>();
  const settled = () => Promise.allSettled([...inFlight]);
  const retryIntervalOverrides: Record<string, number> = {};
  for (const [stateName, state] of allTaskStates(pipeline.definition)) {
    retryIntervalOverrides[stateName] = options.retryDelayMs ?? 50;
    if (state.Resource.endsWith(':lambda:invoke')) {
      handlers[stateName] = async (taskInput) => {
        const { FunctionName, Payload } = taskInput as { FunctionName: string; Payload: unknown };
        const step = pipeline.stepByFunctionArn.get(FunctionName);
        if (!step) throw new Error(`State "${stateName}" invokes ${FunctionName}, which is not a pipeline step`);
        const call = STEPS[step](structuredClone(Payload), runtime);
        inFlight.add(call);
        try {
          const result = await call;
          const integration = {
            ExecutedVersion: '$LATEST',
            StatusCode: 200,
            Payload: JSON.parse(JSON.stringify(result ?? null)) as unknown,
          };
          measure(stateName, 'task result', integration);
          return integration as JSONValue;
        } catch (err) {
          throw lambdaError(err);
        } finally {
          inFlight.delete(call);
        }
      };
    } else if (state.Resource.endsWith(':sns:publish')) {
      handlers[stateName] = async (taskInput) => {
        const { Message, Subject } = taskInput as { Message: unknown; Subject?: string };
        options.onNotify?.(Message, Subject);
        return { MessageId: randomUUID() };
      };
    } else if (state.Resource.endsWith(':glue:startJobRun.sync')) {
      handlers[stateName] = async (taskInput) => {
        const request = taskInput as unknown as GlueJobRunRequest;
        if (!options.glue)
          throw namedError(
            'States.TaskFailed',
            `State "${stateName}" starts the Glue job ${request.JobName}, and Glue is not available locally; set the consolidation's engine to "lambda" (or "auto" under its glueThreshold) to run it here`,
          );
        const run = await options.glue(structuredClone(request));
        // As the .sync integration: a run that ended in any state but SUCCEEDED fails the task, with the run as the cause.
        if (run.JobRunState !== 'SUCCEEDED') throw namedError('States.TaskFailed', JSON.stringify(run));
        return JSON.parse(JSON.stringify(run)) as JSONValue;
      };
    } else {
      throw new Error(`State "${stateName}" uses ${state.Resource}, which the local run cannot bind`);
    }
  }
  const executionId = `arn:${LOCAL_PARTITION}:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:pipeline:${randomUUID()}`;
  const execution = machine.run(input, {
    overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides },
    context: { Execution: { Id: executionId, Name: executionId.split(':').at(-1) } },
  });
  abort = () => execution.abort();
  const listening = forward(execution.eventLogs, (event, raw) => {
    const state = raw.state as { name?: string; input?: unknown; output?: unknown } | undefined;
    if (state?.name && event.type === 'StateEntered') measure(state.name, 'input', state.input);
    if (state?.name && event.type === 'StateExited') measure(state.name, 'output', state.output);
    options.onEvent?.(event);
  });
  try {
    const output = await execution.result;
    await listening;
    await settled();
    if (overLimit) return { status: 'FAILED', ...overLimit, executionId, largestState };
    return { status: 'SUCCEEDED', output, executionId, largestState };
  } catch (err) {
    await listening.catch(() => undefined);
    await settled();
    if (overLimit) return { status: 'FAILED', ...overLimit, executionId, largestState };
    if (err instanceof ExecutionError) {
      const cause = (err as Error & { cause?: { name?: string; message?: string } }).cause;
      return { status: 'FAILED', error: cause?.name ?? 'Error', cause: cause?.message ?? err.message, executionId, largestState };
    }
    throw err;
  }
}

/** What Step Functions allows a state's input or output to hold: 256 KB of UTF-8. */
const STATE_DATA_LIMIT_BYTES = 256 * 1024;

async function forward(events: AsyncGenerator<object>, onEvent: (e: LocalEvent, raw: Record<string, unknown>) => void): Promise<void> {
  for await (const raw of events) {
    const e = raw as Record<string, unknown>;
    const state = (e.state as { name?: string } | undefined)?.name ?? (e.parentState as { name?: string } | undefined)?.name;
    onEvent(
      {
        type: String(e.type),
        state,
        index: e.index as number | undefined,
        timestamp: e.timestamp as number,
        error: e.Error as string | undefined,
      },
      e,
    );
  }
}

/** The error a Lambda function's failure surfaces as (lambdas/handlers/lambda-handler.ts): its name, and a JSON cause like Lambda's. */
function lambdaError(err: unknown): Error {
  const source = toStepFunctionsError(err);
  return namedError(source.name, JSON.stringify({ errorType: source.name, errorMessage: source.message }));
}

/** An error as Step Functions names it (Retry and Catch match the name), with its cause as the message. */
function namedError(name: string, cause: string): Error {
  const error = new Error(cause);
  error.name = name;
  return error;
}

interface TaskState {
  Type: string;
  Resource: string;
}

function* allTaskStates(definition: { States: Record<string, unknown> }): Generator<[string, TaskState]> {
  for (const [name, raw] of Object.entries(definition.States)) {
    const state = raw as TaskState & {
      ItemProcessor?: { States: Record<string, unknown> };
      Iterator?: { States: Record<string, unknown> };
    };
    if (state.Type === 'Task') yield [name, state];
    const inner = state.ItemProcessor ?? state.Iterator;
    if (inner) yield* allTaskStates(inner);
  }
}
