// One CloudWatch dashboard per deployment: executions, then the processing log's metrics per source
// (records into bronze, rows into silver, invalid rows, step durations and failures) and per gold table
// (rows written, rows left out, durations), then the step
// Lambdas' errors, throttles and durations. The metrics are the ones the handlers emit through Powertools
// (namespace METRICS_NAMESPACE, dimensions service, step, source); `service` is the deployment's own.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { declaresExpectations, METRICS_NAMESPACE, serviceName, type PipelineConfig } from '../../lambdas/core/config.js';
import type { PipelineFunctions } from './pipeline-state-machine.js';
import { stepMetric as processingLogMetric, type MetricStep } from './step-metrics.js';

export interface PipelineDashboardProps {
  readonly config: PipelineConfig;
  readonly stateMachine: sfn.StateMachine;
  readonly functions: PipelineFunctions;
}

export class PipelineDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: PipelineDashboardProps) {
    super(scope, id);
    const { config, stateMachine } = props;
    const service = serviceName(config);
    const period = Duration.hours(1);
    const sources = config.sources.map((s) => s.name);
    // Consolidation's processing log names its table as the source (lambdas/handlers/compose-runtime.ts).
    const tables = config.consolidations.map((c) => `${c.database}.${c.tabela_consolidada}`);
    const stepMetric = (metricName: string, step: MetricStep, source: string, statistic: string, label = source) =>
      processingLogMetric(config, metricName, step, source, { statistic, period, label });
    const graph = (title: string, left: cloudwatch.IMetric[], width = 8) => new cloudwatch.GraphWidget({ title, left, width, height: 6 });
    const perSource = (title: string, metricName: string, step: MetricStep, statistic = 'Sum') =>
      graph(
        title,
        (step === 'consolidate' ? tables : sources).map((s) => stepMetric(metricName, step, s, statistic)),
      );
    const functions = Object.entries(props.functions) as [string, lambda.IFunction][];

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: service, defaultInterval: Duration.days(7) });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# Medallion pipeline, stage ${config.stage}\nHourly sums. Rows, invalid rows and durations per source come from each step's processing log (\`${METRICS_NAMESPACE}\`, service \`${service}\`); a run's own figures are in its journey (docs/operations.md).`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      graph(
        'Executions',
        [
          stateMachine.metricSucceeded({ period, statistic: 'Sum', label: 'succeeded' }),
          stateMachine.metricFailed({ period, statistic: 'Sum', label: 'failed' }),
          stateMachine.metricTimedOut({ period, statistic: 'Sum', label: 'timed out' }),
          stateMachine.metricAborted({ period, statistic: 'Sum', label: 'aborted' }),
        ],
        12,
      ),
      graph('Execution time (max)', [stateMachine.metricTime({ period, statistic: 'Maximum', label: 'execution time' })], 12),
    );
    this.dashboard.addWidgets(
      perSource('New records into bronze', 'RowsWritten', 'ingest'),
      perSource('Rows into silver', 'RowsWritten', 'refine'),
      perSource('Invalid rows quarantined', 'RowsInvalid', 'refine'),
      perSource('Records drifted from the declared fields', 'SchemaDriftRecords', 'refine'),
      // One line per source and expectation, found by a search: up to 40 x 20 of them, past a graph's metric limit if listed.
      ...(declaresExpectations(config)
        ? [
            graph('Rows failing data-quality expectations', [
              new cloudwatch.MathExpression({
                expression: `SEARCH('{${METRICS_NAMESPACE},expectation,service,source,step} MetricName="ExpectationFailedRows" service="${service}"', 'Sum', ${period.toSeconds()})`,
                usingMetrics: {},
                label: '',
                period,
              }),
            ]),
          ]
        : []),
    );
    this.dashboard.addWidgets(
      perSource('Ingest duration (max, ms)', 'StepDuration', 'ingest', 'Maximum'),
      perSource('Refine duration (max, ms)', 'StepDuration', 'refine', 'Maximum'),
      graph('Failed steps', [
        ...sources.flatMap((s) => (['ingest', 'refine'] as const).map((step) => stepMetric('StepFailed', step, s, 'Sum', `${step} ${s}`))),
        ...tables.map((t) => stepMetric('StepFailed', 'consolidate', t, 'Sum', `consolidate ${t}`)),
      ]),
    );
    if (tables.length > 0) {
      this.dashboard.addWidgets(
        perSource('Gold rows written', 'RowsWritten', 'consolidate'),
        perSource('Rows left out of gold (a null key)', 'RowsInvalid', 'consolidate'),
        perSource('Consolidation duration (max, ms)', 'StepDuration', 'consolidate', 'Maximum'),
      );
    }
    this.dashboard.addWidgets(
      graph(
        'Lambda errors',
        functions.map(([name, fn]) => fn.metricErrors({ period, statistic: 'Sum', label: name })),
      ),
      graph(
        'Lambda throttles',
        functions.map(([name, fn]) => fn.metricThrottles({ period, statistic: 'Sum', label: name })),
      ),
      graph(
        'Lambda duration (max, ms)',
        functions.map(([name, fn]) => fn.metricDuration({ period, statistic: 'Maximum', label: name })),
      ),
    );
  }
}
