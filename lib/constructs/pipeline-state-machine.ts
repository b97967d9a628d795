// The pipeline's state machine: the one definition that AWS runs and that `npm start` runs locally.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { PERMANENT_ERROR } from '../../lambdas/core/errors.js';

/** The state names; the local runner binds its handlers to the Task states by these names. */
export const STATE_NAMES = {
  plan: 'Plan',
  alreadyCompleted: 'Already completed?',
  skipped: 'Journey already completed',
  ingestSources: 'Ingest and refine each source',
  ingest: 'Ingest',
  refine: 'Refine',
  consolidateTables: 'Consolidate each table',
  goldPartitions: 'Gold partitions',
  consolidatePartitions: 'Consolidate each partition',
  consolidate: 'Consolidate',
  consolidationResult: 'Consolidation result',
  complete: 'Complete',
  succeeded: 'Pipeline succeeded',
  recordFailure: 'Record failure',
  notify: 'Notify failure',
  failed: 'Pipeline failed',
} as const;

/** The error Consolidate ends with while a Glue run goes on (lambdas/ports/errors.ts). */
const GLUE_STILL_RUNNING = 'GlueJobStillRunningError';

export interface PipelineFunctions {
  readonly plan: lambda.IFunction;
  readonly ingest: lambda.IFunction;
  readonly refine: lambda.IFunction;
  readonly consolidate: lambda.IFunction;
  readonly complete: lambda.IFunction;
  readonly fail: lambda.IFunction;
}

export interface StepRetry {
  /** Retries after the first attempt. */
  readonly maxRetries: number;
  readonly interval: Duration;
  readonly maxDelay: Duration;
}

export interface PipelineStateMachineProps {
  readonly functions: PipelineFunctions;
  /** Failure notifications are published here. */
  readonly topic: sns.ITopic;
  /** Sources and consolidations processed at once (config.limits.sourceConcurrency). */
  readonly concurrency: number;
  /** Gold partitions of one consolidation consolidated at once (config.limits.partitionConcurrency). */
  readonly partitionConcurrency: number;
  /**
   * Retries of every Lambda step on an error that is not permanent.
   * @default - 3 retries from 5 seconds, doubling up to 2 minutes, with full jitter
   */
  readonly retry?: StepRetry;
  /**
   * Present when a consolidation may run on Glue: Consolidate hands back with GlueJobStillRunningError
   * while a Glue run goes on, and is called again after `interval`, up to `maxAttempts` times, resuming
   * the same run. Waiting happens in Step Functions, not in a Lambda billed by the second.
   * @default - no waiting: every consolidation runs in the consolidate function
   */
  readonly glueWait?: { readonly interval: Duration; readonly maxAttempts: number };
  /**
   * How long an execution may run.
   * @default Duration.hours(6)
   */
  readonly timeout?: Duration;
  /**
   * Retention of the executions' log group.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Destroy the log group with the stack (disposable stages).
   * @default false
   */
  readonly disposable?: boolean;
}

const DEFAULT_RETRY: StepRetry = { maxRetries: 3, interval: Duration.seconds(5), maxDelay: Duration.minutes(2) };

/**
 * Plan -> (completed and not forced: succeed) -> Map over sources: Ingest -> Refine -> Map over
 * consolidations: Consolidate -> Complete. Every failure after Plan records the journey as FAILED,
 * publishes to the topic and fails the execution.
 */
export class PipelineStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: PipelineStateMachineProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: props.disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    this.stateMachine = new sfn.StateMachine(this, 'Resource', {
      definitionBody: sfn.DefinitionBody.fromChainable(buildPipelineDefinition(this, props)),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: props.timeout ?? Duration.hours(6),
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
  }
}

/** Builds the definition's states in `scope`; used only through PipelineStateMachine, exported for tests. */
function buildPipelineDefinition(scope: Construct, props: PipelineStateMachineProps): sfn.IChainable {
  const { functions } = props;
  const retry = props.retry ?? DEFAULT_RETRY;
  const S = STATE_NAMES;

  // Every Lambda result is its Payload; the integration's envelope (status code, headers) is dropped.
  const invoke = (
    name: string,
    fn: lambda.IFunction,
    payload: sfn.TaskInput,
    resultPath: string,
    outputPath?: string,
    firstRetry?: sfn.RetryProps,
  ) => {
    const task = new tasks.LambdaInvoke(scope, name, {
      stateName: name,
      lambdaFunction: fn,
      payload,
      resultSelector: { 'value.$': '$.Payload' },
      resultPath,
      outputPath,
      retryOnServiceExceptions: true,
    });
    if (firstRetry) task.addRetry(firstRetry);
    // Every error no retry can fix reaches Step Functions as PERMANENT_ERROR (lambdas/core/errors.ts) and
    // fails at once; everything else (throttling, a flaky API, a lost race) is retried.
    task.addRetry({ errors: [PERMANENT_ERROR], maxAttempts: 0 });
    task.addRetry({
      errors: [sfn.Errors.ALL],
      maxAttempts: retry.maxRetries,
      interval: retry.interval,
      backoffRate: 2,
      maxDelay: retry.maxDelay,
      jitterStrategy: sfn.JitterType.FULL,
    });
    return task;
  };

  const failed = new sfn.Fail(scope, S.failed, { stateName: S.failed, errorPath: '$.error.Error', causePath: '$.error.Cause' });
  const notify = new tasks.SnsPublish(scope, S.notify, {
    stateName: S.notify,
    topic: props.topic,
    subject: 'Medallion pipeline execution failed',
    message: sfn.TaskInput.fromObject({
      execution: sfn.JsonPath.stringAt('$$.Execution.Id'),
      error: sfn.JsonPath.objectAt('$.error'),
      journey: sfn.JsonPath.objectAt('$.journey'),
    }),
    resultPath: sfn.JsonPath.DISCARD,
  });
  notify.addRetry({ errors: [sfn.Errors.ALL], maxAttempts: 2, interval: Duration.seconds(2), backoffRate: 2 });
  notify.addCatch(failed, { errors: [sfn.Errors.ALL], resultPath: '$.notifyError' });
  notify.next(failed);

  // The whole state goes to the failure handler: runId when Plan got that far, and the caught error.
  const recordFailure = invoke(
    S.recordFailure,
    functions.fail,
    sfn.TaskInput.fromObject({
      state: sfn.JsonPath.objectAt('$'),
      execution: sfn.JsonPath.stringAt('$$.Execution.Id'),
    }),
    '$.journey',
  );
  recordFailure.addCatch(notify, { errors: [sfn.Errors.ALL], resultPath: '$.journey' });
  recordFailure.next(notify);
  const onFailure = { errors: [sfn.Errors.ALL], resultPath: '$.error' };

  const plan = invoke(
    S.plan,
    functions.plan,
    sfn.TaskInput.fromObject({
      input: sfn.JsonPath.objectAt('$'),
      execution: sfn.JsonPath.stringAt('$$.Execution.Id'),
    }),
    '$.plan',
  );
  plan.addCatch(recordFailure, onFailure);

  const ingest = invoke(
    S.ingest,
    functions.ingest,
    sfn.TaskInput.fromObject({
      runId: sfn.JsonPath.stringAt('$.runId'),
      // The execution holds the journey's lease: every journey write of the step names it.
      execution: sfn.JsonPath.stringAt('$$.Execution.Id'),
      source: sfn.JsonPath.stringAt('$.source'),
      window: sfn.JsonPath.objectAt('$.window'),
    }),
    '$.ingest',
  );
  const refine = invoke(
    S.refine,
    functions.refine,
    sfn.TaskInput.fromObject({
      runId: sfn.JsonPath.stringAt('$.runId'),
      // The execution holds the journey's lease: every journey write of the step names it.
      execution: sfn.JsonPath.stringAt('$$.Execution.Id'),
      source: sfn.JsonPath.stringAt('$.source'),
      window: sfn.JsonPath.objectAt('$.window'),
      ingest: sfn.JsonPath.objectAt('$.ingest.value'),
    }),
    '$.refine',
  );
  const ingestSources = new sfn.Map(scope, S.ingestSources, {
    stateName: S.ingestSources,
    itemsPath: '$.plan.value.sources',
    maxConcurrency: props.concurrency,
    itemSelector: {
      runId: sfn.JsonPath.stringAt('$.plan.value.runId'),
      source: sfn.JsonPath.stringAt('$$.Map.Item.Value.name'),
      window: sfn.JsonPath.objectAt('$$.Map.Item.Value.window'),
    },
    // Each item comes back as {runId, source, window, ingest: {value}, refine: {value}}.
    resultPath: '$.sourceResults',
  });
  ingestSources.itemProcessor(ingest.next(refine));
  ingestSources.addCatch(recordFailure, onFailure);

  // Per consolidation: list the partitions the run's origins wrote, then consolidate each in its own call
  // (a partition may be a whole day of every origin; a long backfill would not fit one Lambda's 15 minutes).
  const goldPartitions = invoke(
    S.goldPartitions,
    functions.consolidate,
    sfn.TaskInput.fromObject({
      step: 'gold-partitions',
      runId: sfn.JsonPath.stringAt('$.runId'),
      consolidation: sfn.JsonPath.stringAt('$.consolidation'),
      window: sfn.JsonPath.objectAt('$.window'),
      // The partitions each origin actually wrote in this run, so late events reach their day's partition.
      sources: sfn.JsonPath.objectAt('$.sources'),
    }),
    '$.partitions',
  );
  const consolidate = invoke(
    S.consolidate,
    functions.consolidate,
    sfn.TaskInput.fromObject({
      runId: sfn.JsonPath.stringAt('$.runId'),
      consolidation: sfn.JsonPath.stringAt('$.consolidation'),
      anomesdia: sfn.JsonPath.stringAt('$.anomesdia'),
      window: sfn.JsonPath.objectAt('$.window'),
      // A retry within this execution resumes the Glue run it started; another execution starts its own.
      execution: sfn.JsonPath.stringAt('$$.Execution.Id'),
      // The iteration's output is the partition's own summary, not the whole item.
    }),
    '$.consolidate',
    '$.consolidate.value',
    props.glueWait && {
      errors: [GLUE_STILL_RUNNING],
      interval: props.glueWait.interval,
      maxAttempts: props.glueWait.maxAttempts,
      backoffRate: 1,
    },
  );
  const consolidatePartitions = new sfn.Map(scope, S.consolidatePartitions, {
    stateName: S.consolidatePartitions,
    itemsPath: '$.partitions.value.anomesdias',
    maxConcurrency: props.partitionConcurrency,
    itemSelector: {
      runId: sfn.JsonPath.stringAt('$.runId'),
      consolidation: sfn.JsonPath.stringAt('$.consolidation'),
      window: sfn.JsonPath.objectAt('$.window'),
      anomesdia: sfn.JsonPath.stringAt('$$.Map.Item.Value'),
    },
    resultPath: '$.partitionResults',
  });
  consolidatePartitions.itemProcessor(consolidate);
  // Each consolidation comes back as {consolidation, partitions: [partition summaries]}.
  const consolidationResult = new sfn.Pass(scope, S.consolidationResult, {
    stateName: S.consolidationResult,
    parameters: { consolidation: sfn.JsonPath.stringAt('$.consolidation'), partitions: sfn.JsonPath.objectAt('$.partitionResults') },
  });
  const consolidateTables = new sfn.Map(scope, S.consolidateTables, {
    stateName: S.consolidateTables,
    itemsPath: '$.plan.value.consolidations',
    maxConcurrency: props.concurrency,
    itemSelector: {
      runId: sfn.JsonPath.stringAt('$.plan.value.runId'),
      window: sfn.JsonPath.objectAt('$.plan.value.window'),
      consolidation: sfn.JsonPath.stringAt('$$.Map.Item.Value'),
      sources: sfn.JsonPath.objectAt('$.sourceResults'),
    },
    resultPath: '$.consolidationResults',
  });
  consolidateTables.itemProcessor(goldPartitions.next(consolidatePartitions).next(consolidationResult));
  consolidateTables.addCatch(recordFailure, onFailure);

  const complete = invoke(
    S.complete,
    functions.complete,
    sfn.TaskInput.fromObject({
      runId: sfn.JsonPath.stringAt('$.plan.value.runId'),
      execution: sfn.JsonPath.stringAt('$$.Execution.Id'),
      sources: sfn.JsonPath.objectAt('$.sourceResults'),
      consolidations: sfn.JsonPath.objectAt('$.consolidationResults'),
    }),
    '$.result',
  );
  complete.addCatch(recordFailure, onFailure);

  const succeeded = new sfn.Succeed(scope, S.succeeded, { stateName: S.succeeded, outputPath: '$.result.value' });
  const skipped = new sfn.Succeed(scope, S.skipped, { stateName: S.skipped, outputPath: '$.plan.value' });

  return plan.next(
    new sfn.Choice(scope, S.alreadyCompleted, { stateName: S.alreadyCompleted })
      .when(sfn.Condition.stringEquals('$.plan.value.status', 'completed'), skipped)
      .otherwise(ingestSources.next(consolidateTables).next(complete).next(succeeded)),
  );
}
