// Alarms on failed and timed-out executions, on scheduled runs that never started, on Lambda errors and
// throttles, and on a source whose refine quarantines more than its share of rows, sent to the pipeline topic.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { PipelineConfig } from '../../lambdas/core/config.js';
import type { PipelineFunctions } from './pipeline-state-machine.js';
import { stepMetric } from './step-metrics.js';

export interface PipelineAlarmsProps {
  readonly config: PipelineConfig;
  readonly stateMachine: sfn.StateMachine;
  readonly functions: PipelineFunctions;
  readonly topic: sns.ITopic;
  /**
   * The schedules' dead-letter queue: a message there is a scheduled run that never started.
   * @default - no alarm on undelivered schedule events
   */
  readonly scheduleDeadLetters?: sqs.IQueue;
  /**
   * The file-drop trigger: its dead-letter queue holds drops that started no run; its function's errors are starts that failed.
   * @default - no file-drop trigger, no alarm on it
   */
  readonly fileDrop?: { readonly deadLetters: sqs.IQueue; readonly function: lambda.IFunction };
}

export class PipelineAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    const action = new actions.SnsAction(props.topic);
    // Any single occurrence deserves a look: a pipeline run failing is never routine.
    const add = (name: string, metric: cloudwatch.IMetric, description: string, threshold = 1) => {
      const alarm = new cloudwatch.Alarm(this, name, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      alarm.addAlarmAction(action);
      this.alarms.push(alarm);
    };
    const period = Duration.minutes(5);
    add(
      'ExecutionsFailed',
      props.stateMachine.metricFailed({ period, statistic: 'Sum' }),
      'A pipeline execution failed; see its journey error and the execution history.',
    );
    add('ExecutionsTimedOut', props.stateMachine.metricTimedOut({ period, statistic: 'Sum' }), 'A pipeline execution timed out.');
    if (props.scheduleDeadLetters) {
      add(
        'ScheduleDeadLetters',
        props.scheduleDeadLetters.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
        `A scheduled run could not be started after EventBridge's retries; its event is in queue ${props.scheduleDeadLetters.queueName} (start the run by hand, then delete the message).`,
      );
    }
    if (props.fileDrop) {
      add(
        'FileDropDeadLetters',
        props.fileDrop.deadLetters.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
        `A dropped file's event started no run after its retries; it is in queue ${props.fileDrop.deadLetters.queueName} (the next hourly run still ingests the file; delete the message once it has).`,
      );
    }
    const watched = { ...props.functions, ...(props.fileDrop ? { fileDropTrigger: props.fileDrop.function } : {}) };
    for (const [step, fn] of Object.entries(watched) as [string, lambda.IFunction][]) {
      add(
        `${step}Errors`,
        fn.metricErrors({ period, statistic: 'Sum' }),
        `The ${step} Lambda reported errors (retries may have hidden them from the execution).`,
      );
      add(
        `${step}Throttles`,
        fn.metricThrottles({ period, statistic: 'Sum' }),
        `The ${step} Lambda was throttled; check the account's concurrency.`,
      );
    }
    // Data quality: the share of a source's rows that refine quarantined in an hour (the processing log's metrics).
    const percent = props.config.limits.invalidRowsAlarmPercent;
    if (percent > 0) {
      const hour = Duration.hours(1);
      for (const source of props.config.sources) {
        const metric = (metricName: string) =>
          stepMetric(props.config, metricName, 'refine', source.name, { statistic: 'Sum', period: hour });
        add(
          `InvalidRows-${source.name}`,
          new cloudwatch.MathExpression({
            expression: 'IF(readRows > 0, 100 * invalidRows / readRows, 0)',
            usingMetrics: { invalidRows: metric('RowsInvalid'), readRows: metric('RowsRead') },
            period: hour,
            label: `% of ${source.name} rows quarantined`,
          }),
          `Refine quarantined ${percent}% or more of source ${source.name}'s rows in an hour; each row and its reason is under _quarantine/${source.name}/ in the silver bucket.`,
          percent,
        );
      }
    }
  }
}
