// The processing log's metrics as CloudWatch sees them: what the handlers emit through Powertools
// (lambdas/handlers/runtime.ts), namespace METRICS_NAMESPACE, dimensions service, step and source.
import type { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { METRICS_NAMESPACE, serviceName, type PipelineConfig } from '../../lambdas/core/config.js';

export type MetricStep = 'ingest' | 'refine' | 'consolidate';

/** One step metric of one source (or `database.tabela_consolidada` for consolidate) of this deployment. */
export function stepMetric(
  config: PipelineConfig,
  metricName: string,
  step: MetricStep,
  source: string,
  options: { statistic: string; period: Duration; label?: string },
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: serviceName(config), step, source },
    ...options,
  });
}
