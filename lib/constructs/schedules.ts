// EventBridge rules that start the pipeline hourly and daily (D-1), each passing its mode as the input; a start
// that EventBridge cannot deliver after its retries lands in an encrypted dead-letter queue instead of vanishing.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { SchedulesConfig } from '../../lambdas/core/config.js';

export interface PipelineSchedulesProps {
  readonly stateMachine: sfn.IStateMachine;
  readonly schedules: SchedulesConfig;
  /**
   * The sources the schedules run, when the config disables some (`enabled: false`); none leaves both rules disabled.
   * @default - every source (the plan's default)
   */
  readonly sources?: string[];
  /**
   * Destroy the dead-letter queue, and the undelivered starts it holds, with the stack.
   * @default false
   */
  readonly disposable?: boolean;
  /**
   * Attempts EventBridge makes after a failed StartExecution, before the event goes to the dead-letter queue.
   * @default 4
   */
  readonly retryAttempts?: number;
  /**
   * How long EventBridge keeps trying one event: a run that cannot start within it is dead-lettered.
   * @default Duration.hours(1)
   */
  readonly maxEventAge?: Duration;
}

export class PipelineSchedules extends Construct {
  readonly hourly: events.Rule;
  readonly daily: events.Rule;
  /** The events of both rules that could not start an execution. */
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: PipelineSchedulesProps) {
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      // SQS-managed keys: EventBridge may send to the queue without a key policy, and nothing is stored in clear.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // The longest SQS keeps a message: time for an operator to see the alarm and start the run by hand.
      retentionPeriod: Duration.days(14),
      removalPolicy: props.disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    const target = (mode: 'hourly' | 'daily') =>
      new targets.SfnStateMachine(props.stateMachine, {
        // The enabled sources named in the input, so that the template shows which sources a schedule skips.
        input: events.RuleTargetInput.fromObject(props.sources ? { mode, sources: props.sources } : { mode }),
        retryAttempts: props.retryAttempts ?? 4,
        maxEventAge: props.maxEventAge ?? Duration.hours(1),
        deadLetterQueue: this.deadLetterQueue,
      });
    const rule = (mode: 'hourly' | 'daily', schedule: { enabled: boolean; expression: string }, description: string) =>
      new events.Rule(this, mode === 'hourly' ? 'Hourly' : 'Daily', {
        description,
        schedule: events.Schedule.expression(schedule.expression),
        // A disabled schedule stays deployed, so a stage can switch it on without a new deploy.
        enabled: schedule.enabled && props.sources?.length !== 0,
        targets: [target(mode)],
      });
    this.hourly = rule('hourly', props.schedules.hourly, 'Hourly incremental run: each source from its watermark to now minus the lag');
    this.daily = rule('daily', props.schedules.daily, `Daily run of D-1, the previous business day in ${props.schedules.businessTimezone}`);
  }
}
