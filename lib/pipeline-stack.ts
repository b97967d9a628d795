// The stateless stack: step Lambdas, the state machine, schedules, alarms, a dashboard and the notification topic.
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serviceName, type PipelineConfig } from '../lambdas/core/config.js';
import { PipelineAlarms } from './constructs/alarms.js';
import { PipelineDashboard } from './constructs/dashboard.js';
import { FileDropTrigger, triggeredSources } from './constructs/file-drop-trigger.js';
import { ConsolidateGlueJob, type ConsolidateGlueJobProps } from './constructs/consolidate-glue-job.js';
import { PipelineFunctionsConstruct, type PipelineDataLake } from './constructs/pipeline-functions.js';
import { PipelineStateMachine } from './constructs/pipeline-state-machine.js';
import { PipelineSchedules } from './constructs/schedules.js';
import { acknowledgeDeadLetterQueue, acknowledgeFunctionFindings, acknowledgeJustifiedWildcards } from './pipeline-nag.js';

export interface PipelineStackProps extends StackProps {
  readonly config: PipelineConfig;
  readonly dataLake: PipelineDataLake;
  /**
   * Project root for Lambda bundling and the Glue script.
   * @default - the repository root
   */
  readonly projectRoot?: string;
  /**
   * The consolidate Glue job's script.
   * @default - `<projectRoot>/glue-scripts/consolidate_job.py`
   */
  readonly glueScriptPath?: string;
  /**
   * Workers of the consolidate Glue job.
   * @default - ConsolidateGlueJob's defaults (10 G.1X workers)
   */
  readonly glueWorkers?: Pick<ConsolidateGlueJobProps, 'workerType' | 'numberOfWorkers'>;
}

/** Whether a consolidation may run on Glue; when one may, the stack needs the Glue job. */
function mayRunOnGlue(c: PipelineConfig['consolidations'][number]): boolean {
  return c.engine === 'glue' || c.engine === 'auto';
}

const REPOSITORY_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export class PipelineStack extends Stack {
  readonly topic: sns.Topic;
  readonly pipeline: PipelineStateMachine;
  readonly functions: PipelineFunctionsConstruct;
  readonly dashboard: PipelineDashboard;
  /** Absent when no enabled source is a file drop. */
  readonly fileDrop?: FileDropTrigger;
  /** Absent when every consolidation runs on Lambda. */
  readonly glueJob?: ConsolidateGlueJob;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const { config } = props;

    const key = new kms.Key(this, 'NotificationsKey', {
      description: 'Encrypts the pipeline failure notifications topic',
      enableKeyRotation: true,
      removalPolicy: config.storage.disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    // CloudWatch alarms publish to an encrypted topic only when the key lets the service use it.
    key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new sns.Topic(this, 'Notifications', {
      displayName: 'Medallion pipeline notifications',
      masterKey: key,
      enforceSSL: true,
    });

    if (config.consolidations.some(mayRunOnGlue)) {
      const root = props.projectRoot ?? REPOSITORY_ROOT;
      this.glueJob = new ConsolidateGlueJob(this, 'ConsolidateJob', {
        config,
        scriptPath: props.glueScriptPath ?? join(root, 'glue-scripts', 'consolidate_job.py'),
        silverBucket: props.dataLake.silverBucket,
        goldBucket: props.dataLake.goldBucket,
        silverDatabase: props.dataLake.silverDatabase,
        timeout: Duration.minutes(config.limits.glueJobTimeoutMinutes),
        maxConcurrentRuns: config.limits.glueMaxConcurrentRuns,
        ...props.glueWorkers,
      });
    }
    this.functions = new PipelineFunctionsConstruct(this, 'Steps', {
      config,
      dataLake: props.dataLake,
      glueJob: this.glueJob,
      projectRoot: props.projectRoot,
    });
    const fns = this.functions.functions;
    this.pipeline = new PipelineStateMachine(this, 'StateMachine', {
      functions: fns,
      functionTimeouts: {
        plan: fns.plan.timeout!,
        ingest: fns.ingest.timeout!,
        refine: fns.refine.timeout!,
        consolidate: fns.consolidate.timeout!,
        goldTables: fns.goldTables.timeout!,
        complete: fns.complete.timeout!,
        fail: fns.fail.timeout!,
      },
      topic: this.topic,
      concurrency: config.limits.sourceConcurrency,
      partitionConcurrency: config.limits.partitionConcurrency,
      disposable: config.storage.disposable,
      timeout: Duration.hours(6),
      // The state machine runs the job and waits for it; synth fails if one execution may ask for more runs than it allows.
      glue: this.glueJob && {
        jobName: this.glueJob.jobName,
        timeout: this.glueJob.timeout,
        maxConcurrentRuns: this.glueJob.maxConcurrentRuns,
        consolidations: config.consolidations.filter(mayRunOnGlue).length,
      },
    });
    key.grant(this.pipeline.stateMachine, 'kms:Decrypt', 'kms:GenerateDataKey*');

    const schedules = new PipelineSchedules(this, 'Schedules', {
      stateMachine: this.pipeline.stateMachine,
      schedules: config.schedules,
      sources: config.sources.some((s) => !s.enabled) ? config.sources.filter((s) => s.enabled).map((s) => s.name) : undefined,
      disposable: config.storage.disposable,
    });
    if (triggeredSources(config).length > 0)
      this.fileDrop = new FileDropTrigger(this, 'FileDrop', {
        config,
        bronzeBucket: props.dataLake.bronzeBucket,
        stateMachine: this.pipeline.stateMachine,
        projectRoot: props.projectRoot ?? REPOSITORY_ROOT,
      });
    new PipelineAlarms(this, 'Alarms', {
      config,
      stateMachine: this.pipeline.stateMachine,
      functions: this.functions.functions,
      topic: this.topic,
      scheduleDeadLetters: schedules.deadLetterQueue,
      fileDrop: this.fileDrop && { deadLetters: this.fileDrop.deadLetterQueue, function: this.fileDrop.function },
    });
    this.dashboard = new PipelineDashboard(this, 'Dashboard', {
      config,
      stateMachine: this.pipeline.stateMachine,
      functions: this.functions.functions,
    });
    new CfnOutput(this, 'DashboardUrl', {
      value: `https://${this.region}.console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards:name=${serviceName(config)}`,
      description: 'CloudWatch dashboard: executions, rows and invalid rows per source, step durations, Lambda errors',
    });
    new CfnOutput(this, 'StateMachineArn', {
      value: this.pipeline.stateMachine.stateMachineArn,
      description: 'The pipeline state machine: aws stepfunctions start-execution --state-machine-arn <this> --input ...',
    });
    acknowledgeFunctionFindings([...Object.values(this.functions.functions), ...(this.fileDrop ? [this.fileDrop.function] : [])]);
    acknowledgeDeadLetterQueue(schedules.deadLetterQueue);
    if (this.fileDrop) acknowledgeDeadLetterQueue(this.fileDrop.deadLetterQueue);
    acknowledgeJustifiedWildcards(this);
  }
}
