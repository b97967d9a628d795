// The pipeline's state machine: the one definition that AWS runs and that `npm start` runs locally.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { PERMANENT_ERROR } from '../../lambdas/core/errors.js';
import { GlueJobLimitError } from '../errors.js';

/** The state names; the local runner binds its handlers to the Task states by these names. */
export const STATE_NAMES = {
  plan: 'Plan',
  alreadyCompleted: 'Already completed?',
  skipped: 'Journey already completed',
  runPlan: 'Run plan',
  ingestSources: 'Ingest and refine each source',
  ingest: 'Ingest',
  refine: 'Refine',
  sourceResult: 'Source result',
  consolidateTables: 'Consolidate each table',
  goldPartitions: 'Gold partitions',
  consolidatePartitions: 'Consolidate each partition',
  consolidate: 'Consolidate',
  onGlue: 'Handed to Glue?',
  glueRun: 'Run on Glue',
  glueOutput: 'Publish Glue output',
  partitionDone: 'Partition consolidated',
  goldTables: 'Gold tables',
  consolidationResult: 'Consolidation result',
  complete: 'Complete',
  succeeded: 'Pipeline succeeded',
  recordFailure: 'Record failure',
  notify: 'Notify failure',
  failed: 'Pipeline failed',
} as const;

/** What a Task may take beyond its Lambda's own timeout (queueing, the integration's round trip) before Step Functions gives up. */
const TASK_MARGIN = Duration.minutes(1);
/** What the Glue task waits beyond the job's timeout: Glue ends a run at its timeout and reports TIMEOUT, which fails the task first. */
const GLUE_MARGIN = Duration.minutes(5);

export interface PipelineFunctions {
  readonly plan: lambda.IFunction;
  readonly ingest: lambda.IFunction;
  readonly refine: lambda.IFunction;
  readonly consolidate: lambda.IFunction;
  readonly goldTables: lambda.IFunction;
  readonly complete: lambda.IFunction;
  readonly fail: lambda.IFunction;
}

export interface StepRetry {
  /** Retries after the first attempt. */
  readonly maxRetries: number;
  readonly interval: Duration;
  readonly maxDelay: Duration;
}

/** The consolidate Glue job, when some consolidation may run on Glue. */
export interface PipelineGlueJob {
  readonly jobName: string;
  /** The job's Timeout: the Glue task waits this long (and a margin). */
  readonly timeout: Duration;
  /** The job's MaxConcurrentRuns (limits.glueMaxConcurrentRuns). */
  readonly maxConcurrentRuns: number;
  /** How many consolidations may run on Glue (engine glue or auto): at most these many at once. */
  readonly consolidations: number;
}

export interface PipelineStateMachineProps {
  readonly functions: PipelineFunctions;
  /** Each function's own timeout: its Task waits that long and a margin. */
  readonly functionTimeouts: Record<keyof PipelineFunctions, Duration>;
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
   * Present when a consolidation may run on Glue: Consolidate hands such a partition back with its spec,
   * and the state machine runs the job (glue:startJobRun.sync) and waits, with no Lambda running meanwhile.
   * @default - no Glue: every consolidation runs in the consolidate function
   */
  readonly glue?: PipelineGlueJob;
  /**
   * How long an execution may run; longer than the Glue job's timeout.
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
const DEFAULT_TIMEOUT = Duration.hours(6);

/**
 * glue:startJobRun.sync with a TimeoutSeconds of its own. The CDK task turns a task timeout into the run's Glue
 * `Timeout` argument and leaves the state without one, where the local run would then apply its 60 s default;
 * the run keeps the job's own Timeout, and the state waits that long and a margin.
 */
class GlueRunAndWait extends tasks.GlueStartJobRun {
  private readonly waitSeconds: number;
  constructor(scope: Construct, id: string, props: tasks.GlueStartJobRunProps & { waitTimeout: Duration }) {
    super(scope, id, props);
    this.waitSeconds = props.waitTimeout.toSeconds();
  }

  protected override _renderTask(topLevelQueryLanguage?: sfn.QueryLanguage): unknown {
    return { ...(super._renderTask(topLevelQueryLanguage) as object), TimeoutSeconds: this.waitSeconds };
  }
}

/** Fails synth when the Glue job cannot take what one execution may ask of it. */
function checkGlueJob(props: PipelineStateMachineProps): void {
  const { glue } = props;
  if (!glue) return;
  const tables = Math.min(props.concurrency, glue.consolidations);
  const runs = tables * props.partitionConcurrency;
  if (runs > glue.maxConcurrentRuns)
    throw new GlueJobLimitError(
      `One execution may start ${runs} Glue runs at once (limits.sourceConcurrency ${props.concurrency}, over ${glue.consolidations} ` +
        `consolidation(s) that may run on Glue, x limits.partitionConcurrency ${props.partitionConcurrency}), more than the consolidate ` +
        `job's MaxConcurrentRuns (limits.glueMaxConcurrentRuns ${glue.maxConcurrentRuns}): raise limits.glueMaxConcurrentRuns to ${runs}, ` +
        'or lower limits.sourceConcurrency or limits.partitionConcurrency',
    );
  const timeout = props.timeout ?? DEFAULT_TIMEOUT;
  if (glue.timeout.plus(GLUE_MARGIN).toSeconds() >= timeout.toSeconds())
    throw new GlueJobLimitError(
      `The consolidate Glue job may run ${glue.timeout.toMinutes()} minutes (limits.glueJobTimeoutMinutes), too close to the ` +
        `execution's timeout of ${timeout.toMinutes()} minutes: lower limits.glueJobTimeoutMinutes`,
    );
}

/**
 * Plan -> (completed and not forced: succeed) -> Map over sources: Ingest -> Refine -> Map over
 * consolidations: Gold partitions -> Map over partitions: Consolidate (-> on Glue: run the job, wait,
 * publish its output) -> Gold tables -> Consolidation result -> Complete. Every failure after Plan records the journey
 * as FAILED, publishes to the topic and fails the execution.
 */
export class PipelineStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: PipelineStateMachineProps) {
    super(scope, id);
    checkGlueJob(props);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: props.disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    this.stateMachine = new sfn.StateMachine(this, 'Resource', {
      definitionBody: sfn.DefinitionBody.fromChainable(buildPipelineDefinition(this, props)),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: props.timeout ?? DEFAULT_TIMEOUT,
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
  }
}

/** Builds the definition's states in `scope`; used only through PipelineStateMachine. */
function buildPipelineDefinition(scope: Construct, props: PipelineStateMachineProps): sfn.IChainable {
  const { functions } = props;
  const retry = props.retry ?? DEFAULT_RETRY;
  const S = STATE_NAMES;

  // Every Lambda result is its Payload; the integration's envelope (status code, headers) is dropped. Every
  // Task has a timeout, its Lambda's own and a margin, so that Step Functions and the local run (whose
  // default is 60 s) agree. No heartbeat: a Lambda invoked request-response sends none.
  const invoke = (name: string, step: keyof PipelineFunctions, payload: sfn.TaskInput, resultPath: string, outputPath?: string) => {
    const task = new tasks.LambdaInvoke(scope, name, {
      stateName: name,
      lambdaFunction: functions[step],
      payload,
      resultSelector: { 'value.$': '$.Payload' },
      resultPath,
      outputPath,
      retryOnServiceExceptions: true,
      taskTimeout: sfn.Timeout.duration(props.functionTimeouts[step].plus(TASK_MARGIN)),
    });
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
    taskTimeout: sfn.Timeout.duration(TASK_MARGIN),
  });
  notify.addRetry({ errors: [sfn.Errors.ALL], maxAttempts: 2, interval: Duration.seconds(2), backoffRate: 2 });
  notify.addCatch(failed, { errors: [sfn.Errors.ALL], resultPath: '$.notifyError' });
  notify.next(failed);

  // The whole state goes to the failure handler: runId when Plan got that far, and the caught error.
  const recordFailure = invoke(
    S.recordFailure,
    'fail',
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
    'plan',
    sfn.TaskInput.fromObject({
      input: sfn.JsonPath.objectAt('$'),
      execution: sfn.JsonPath.stringAt('$$.Execution.Id'),
    }),
    '$.plan',
  );
  plan.addCatch(recordFailure, onFailure);

  // What the rest of the run carries: the plan without its per-source windows (each source's window goes to
  // its own iteration), so that a long backfill's days are not held once per source for the whole run.
  const runPlan = new sfn.Pass(scope, S.runPlan, {
    stateName: S.runPlan,
    parameters: {
      plan: {
        value: {
          runId: sfn.JsonPath.stringAt('$.plan.value.runId'),
          status: sfn.JsonPath.stringAt('$.plan.value.status'),
          window: sfn.JsonPath.objectAt('$.plan.value.window'),
          consolidations: sfn.JsonPath.listAt('$.plan.value.consolidations'),
        },
      },
      sources: sfn.JsonPath.listAt('$.plan.value.sources'),
    },
  });

  const ingest = invoke(
    S.ingest,
    'ingest',
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
    'refine',
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
  // Each source's result, as it travels on: its summaries without the lists only the steps themselves need
  // (Ingest's partitions, read by Refine, and both steps' objects, which the journey keeps). States.JsonMerge
  // lets the item's `omit` values override those keys, since a summary's other fields are not all always present.
  const sourceResult = new sfn.Pass(scope, S.sourceResult, {
    stateName: S.sourceResult,
    parameters: {
      source: sfn.JsonPath.stringAt('$.source'),
      ingest: { value: sfn.JsonPath.jsonMerge(sfn.JsonPath.objectAt('$.ingest.value'), sfn.JsonPath.objectAt('$.omit.ingest')) },
      refine: { value: sfn.JsonPath.jsonMerge(sfn.JsonPath.objectAt('$.refine.value'), sfn.JsonPath.objectAt('$.omit.refine')) },
    },
  });
  const ingestSources = new sfn.Map(scope, S.ingestSources, {
    stateName: S.ingestSources,
    itemsPath: '$.sources',
    maxConcurrency: props.concurrency,
    itemSelector: {
      runId: sfn.JsonPath.stringAt('$.plan.value.runId'),
      source: sfn.JsonPath.stringAt('$$.Map.Item.Value.name'),
      window: sfn.JsonPath.objectAt('$$.Map.Item.Value.window'),
      omit: { ingest: { anomesdias: [], objects: [] }, refine: { objects: [] } },
    },
    // The planned sources are replaced by their results: {source, ingest: {value}, refine: {value}} each.
    resultPath: '$.sources',
  });
  ingestSources.itemProcessor(ingest.next(refine).next(sourceResult));
  ingestSources.addCatch(recordFailure, onFailure);

  // Per consolidation: list the partitions the run's origins wrote, then consolidate each in its own call
  // (a partition may be a whole day of every origin; a long backfill would not fit one Lambda's 15 minutes).
  // The listing's result becomes the iteration's whole state ({runId, consolidation, anomesdias}): the
  // sources' summaries it was computed from stay behind.
  const goldPartitions = invoke(
    S.goldPartitions,
    'consolidate',
    sfn.TaskInput.fromObject({
      step: 'gold-partitions',
      runId: sfn.JsonPath.stringAt('$.runId'),
      consolidation: sfn.JsonPath.stringAt('$.consolidation'),
      window: sfn.JsonPath.objectAt('$.window'),
      // The partitions each origin actually wrote in this run, so late events reach their day's partition.
      sources: sfn.JsonPath.objectAt('$.sources'),
    }),
    '$.partitions',
    '$.partitions.value',
  );
  const partition = {
    runId: sfn.JsonPath.stringAt('$.runId'),
    // The execution holds the journey's lease; a Glue run's handoff and its publication name the same version folder.
    execution: sfn.JsonPath.stringAt('$$.Execution.Id'),
    consolidation: sfn.JsonPath.stringAt('$.consolidation'),
    anomesdia: sfn.JsonPath.stringAt('$.anomesdia'),
  };
  const consolidate = invoke(S.consolidate, 'consolidate', sfn.TaskInput.fromObject(partition), '$.consolidate');
  // The iteration's output is the partition's own summary, whichever way it was consolidated.
  const partitionDone = new sfn.Pass(scope, S.partitionDone, { stateName: S.partitionDone, outputPath: '$.consolidate.value' });
  let afterConsolidate: sfn.IChainable = partitionDone;
  if (props.glue) {
    // Step Functions starts the run and waits for it (.sync): no Lambda is billed meanwhile, and a run still
    // going is no error. A failed, stopped or timed-out run fails the task (States.TaskFailed), which nothing
    // retries: a retry would start a second run. Only a start Glue refused (too many runs) is tried again.
    const glueRun = new GlueRunAndWait(scope, S.glueRun, {
      stateName: S.glueRun,
      glueJobName: props.glue.jobName,
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      arguments: sfn.TaskInput.fromObject({ '--spec_uri': sfn.JsonPath.stringAt('$.consolidate.value.glue.spec_uri') }),
      resultSelector: { 'jobRunId.$': '$.Id', 'state.$': '$.JobRunState' },
      resultPath: '$.glueRun',
      waitTimeout: props.glue.timeout.plus(GLUE_MARGIN),
    });
    glueRun.addRetry({
      errors: ['Glue.ConcurrentRunsExceededException'],
      maxAttempts: 10,
      interval: Duration.minutes(1),
      backoffRate: 1.5,
      maxDelay: Duration.minutes(10),
      jitterStrategy: sfn.JitterType.FULL,
    });
    const glueOutput = invoke(
      S.glueOutput,
      'consolidate',
      sfn.TaskInput.fromObject({
        step: 'glue-output',
        ...partition,
        jobRunId: sfn.JsonPath.stringAt('$.glueRun.jobRunId'),
        // What the run was asked to consolidate: the silver versions the publication is checked against.
        handoff: sfn.JsonPath.objectAt('$.consolidate.value'),
      }),
      '$.consolidate',
    );
    afterConsolidate = new sfn.Choice(scope, S.onGlue, { stateName: S.onGlue })
      .when(sfn.Condition.isPresent('$.consolidate.value.glue'), glueRun.next(glueOutput).next(partitionDone))
      .otherwise(partitionDone);
  }
  const consolidatePartitions = new sfn.Map(scope, S.consolidatePartitions, {
    stateName: S.consolidatePartitions,
    itemsPath: '$.anomesdias',
    maxConcurrency: props.partitionConcurrency,
    itemSelector: {
      runId: sfn.JsonPath.stringAt('$.runId'),
      consolidation: sfn.JsonPath.stringAt('$.consolidation'),
      anomesdia: sfn.JsonPath.stringAt('$$.Map.Item.Value'),
    },
    resultPath: '$.partitionResults',
  });
  consolidatePartitions.itemProcessor(consolidate.next(afterConsolidate));
  // Once every partition is published: the tables kept from them (current state, history, aggregates), in one call
  // per consolidation, so that no two of the run's partitions MERGE into one table at once.
  const goldTables = invoke(
    S.goldTables,
    'goldTables',
    sfn.TaskInput.fromObject({
      step: 'gold-tables',
      runId: sfn.JsonPath.stringAt('$.runId'),
      execution: sfn.JsonPath.stringAt('$$.Execution.Id'),
      consolidation: sfn.JsonPath.stringAt('$.consolidation'),
      anomesdias: sfn.JsonPath.listAt('$.anomesdias'),
    }),
    '$.goldTables',
  );
  // Each consolidation comes back as its partitions counted; the per-partition summaries stay here.
  const consolidationResult = invoke(
    S.consolidationResult,
    'consolidate',
    sfn.TaskInput.fromObject({
      step: 'consolidation-result',
      consolidation: sfn.JsonPath.stringAt('$.consolidation'),
      partitions: sfn.JsonPath.objectAt('$.partitionResults'),
      goldTables: sfn.JsonPath.objectAt('$.goldTables.value'),
    }),
    '$.result',
    '$.result.value',
  );
  const consolidateTables = new sfn.Map(scope, S.consolidateTables, {
    stateName: S.consolidateTables,
    itemsPath: '$.plan.value.consolidations',
    maxConcurrency: props.concurrency,
    itemSelector: {
      runId: sfn.JsonPath.stringAt('$.plan.value.runId'),
      window: sfn.JsonPath.objectAt('$.plan.value.window'),
      consolidation: sfn.JsonPath.stringAt('$$.Map.Item.Value'),
      sources: sfn.JsonPath.objectAt('$.sources'),
    },
    resultPath: '$.consolidations',
  });
  consolidateTables.itemProcessor(goldPartitions.next(consolidatePartitions).next(goldTables).next(consolidationResult));
  consolidateTables.addCatch(recordFailure, onFailure);

  const complete = invoke(
    S.complete,
    'complete',
    sfn.TaskInput.fromObject({
      runId: sfn.JsonPath.stringAt('$.plan.value.runId'),
      execution: sfn.JsonPath.stringAt('$$.Execution.Id'),
      sources: sfn.JsonPath.objectAt('$.sources'),
      consolidations: sfn.JsonPath.objectAt('$.consolidations'),
    }),
    '$.result',
  );
  complete.addCatch(recordFailure, onFailure);

  const succeeded = new sfn.Succeed(scope, S.succeeded, { stateName: S.succeeded, outputPath: '$.result.value' });
  const skipped = new sfn.Succeed(scope, S.skipped, { stateName: S.skipped, outputPath: '$.plan.value' });

  return plan.next(
    new sfn.Choice(scope, S.alreadyCompleted, { stateName: S.alreadyCompleted })
      .when(sfn.Condition.stringEquals('$.plan.value.status', 'completed'), skipped)
      .otherwise(runPlan.next(ingestSources).next(consolidateTables).next(complete).next(succeeded)),
  );
}
