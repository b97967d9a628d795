// EventBridge rules that start the pipeline hourly and daily (D-1), each passing its mode as the input.
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { SchedulesConfig } from '../../lambdas/core/config.js';

export interface PipelineSchedulesProps {
  stateMachine: sfn.IStateMachine;
  schedules: SchedulesConfig;
}

export class PipelineSchedules extends Construct {
  readonly hourly: events.Rule;
  readonly daily: events.Rule;

  constructor(scope: Construct, id: string, props: PipelineSchedulesProps) {
    super(scope, id);
    const rule = (mode: 'hourly' | 'daily', schedule: { enabled: boolean; expression: string }, description: string) =>
      new events.Rule(this, mode === 'hourly' ? 'Hourly' : 'Daily', {
        description,
        schedule: events.Schedule.expression(schedule.expression),
        // A disabled schedule stays deployed, so a stage can switch it on without a new deploy.
        enabled: schedule.enabled,
        targets: [
          new targets.SfnStateMachine(props.stateMachine, { input: events.RuleTargetInput.fromObject({ mode }), retryAttempts: 4 }),
        ],
      });
    this.hourly = rule('hourly', props.schedules.hourly, 'Hourly incremental run: each source from its watermark to now minus the lag');
    this.daily = rule('daily', props.schedules.daily, `Daily run of D-1, the previous business day in ${props.schedules.businessTimezone}`);
  }
}
