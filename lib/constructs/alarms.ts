// Alarms on failed and timed-out executions and on Lambda errors and throttles, sent to the pipeline topic.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { PipelineFunctions } from './pipeline-state-machine.js';

export interface PipelineAlarmsProps {
  stateMachine: sfn.StateMachine;
  functions: PipelineFunctions;
  topic: sns.ITopic;
}

export class PipelineAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    const action = new actions.SnsAction(props.topic);
    // Any single occurrence deserves a look: a pipeline run failing is never routine.
    const add = (name: string, metric: cloudwatch.IMetric, description: string) => {
      const alarm = new cloudwatch.Alarm(this, name, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      alarm.addAlarmAction(action);
      this.alarms.push(alarm);
    };
    const period = Duration.minutes(5);
    add('ExecutionsFailed', props.stateMachine.metricFailed({ period, statistic: 'Sum' }), 'A pipeline execution failed; see its journey error and the execution history.');
    add('ExecutionsTimedOut', props.stateMachine.metricTimedOut({ period, statistic: 'Sum' }), 'A pipeline execution timed out.');
    for (const [step, fn] of Object.entries(props.functions) as [string, lambda.IFunction][]) {
      add(`${step}Errors`, fn.metricErrors({ period, statistic: 'Sum' }), `The ${step} Lambda reported errors (retries may have hidden them from the execution).`);
      add(`${step}Throttles`, fn.metricThrottles({ period, statistic: 'Sum' }), `The ${step} Lambda was throttled; check the account's concurrency.`);
    }
  }
}
