// Event-driven file drop: an object created under pending/<source>/ in the bronze bucket reaches an encrypted queue
// through an EventBridge rule; a small function reads the queue in batches of up to a minute and starts one
// execution per source per batch, named by source and minute (lambdas/core/ingest/file-drop-trigger.ts).
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { serviceName, type PipelineConfig } from '../../lambdas/core/config.js';
import { fileDropKeys } from '../../lambdas/core/ingest/bronze-layout.js';
import { ENV } from '../../lambdas/handlers/env.js';
import { pipelineFunction } from './pipeline-functions.js';

export interface FileDropTriggerProps {
  readonly config: PipelineConfig;
  readonly bronzeBucket: s3.IBucket;
  readonly stateMachine: sfn.IStateMachine;
  /** Project root holding `lambdas/` and the lock file. */
  readonly projectRoot: string;
  /**
   * How long the function waits to fill a batch: the longest a dropped file waits for its execution to start.
   * @default Duration.seconds(60)
   */
  readonly batchingWindow?: Duration;
}

/** Events a batch may take: a drop of a thousand files is one batch, so one execution per source. */
const BATCH_SIZE = 1000;

/** The enabled file-drop sources: only their pending/ folders start executions. */
export function triggeredSources(config: PipelineConfig): string[] {
  return config.sources.filter((s) => s.kind === 'files' && s.enabled).map((s) => s.name);
}

export class FileDropTrigger extends Construct {
  /** Events the queue could not hand to the function after its attempts, and events EventBridge could not deliver. */
  readonly deadLetterQueue: sqs.Queue;
  readonly function: nodejs.NodejsFunction;

  constructor(scope: Construct, id: string, props: FileDropTriggerProps) {
    super(scope, id);
    const { config } = props;
    const removalPolicy = config.storage.disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    // SQS-managed keys: EventBridge may send to the queues without a key policy, and nothing is stored in clear.
    const encrypted = { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true };
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', { ...encrypted, retentionPeriod: Duration.days(14), removalPolicy });
    const timeout = Duration.seconds(60);
    const queue = new sqs.Queue(this, 'Events', {
      ...encrypted,
      // SQS asks for a visibility timeout of six times the function's timeout, so a retried batch is not read twice at once.
      visibilityTimeout: Duration.seconds(timeout.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });

    const sources = triggeredSources(config);
    new events.Rule(this, 'ObjectCreated', {
      description: `Files dropped under pending/<source>/ of the bronze bucket (${sources.join(', ')}) start a file-drop run`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [props.bronzeBucket.bucketName] },
          object: { key: sources.map((s) => ({ prefix: fileDropKeys.pending(s) })) },
        },
      },
      targets: [new targets.SqsQueue(queue, { deadLetterQueue: this.deadLetterQueue, retryAttempts: 4, maxEventAge: Duration.hours(1) })],
    });

    this.function = pipelineFunction(this, 'fileDropTrigger', {
      config,
      root: props.projectRoot,
      environment: {
        [ENV.stateMachineArn]: props.stateMachine.stateMachineArn,
        POWERTOOLS_SERVICE_NAME: serviceName(config),
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      },
      memoryMb: 256,
      timeout,
      description: 'The file-drop trigger',
      handlerFile: 'file-drop-trigger',
    });
    props.stateMachine.grantStartExecution(this.function);
    this.function.addEventSource(
      new SqsEventSource(queue, {
        batchSize: BATCH_SIZE,
        maxBatchingWindow: props.batchingWindow ?? Duration.seconds(60),
        // Two pollers at most (SQS's least): fewer, fuller batches, so fewer starts that collide.
        maxConcurrency: 2,
      }),
    );
  }
}
