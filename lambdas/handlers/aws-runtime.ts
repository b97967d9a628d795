// The steps' runtime in a Lambda container, from its environment: the bundled config, AWS clients and
// adapters, and the processing log as Powertools log lines and metrics. Built once per container.
import { AthenaClient } from '@aws-sdk/client-athena';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { AthenaGoldStateEngine } from '../adapters/aws/athena-gold-state.js';
import { AthenaQueryEngine } from '../adapters/aws/athena-query-engine.js';
import { createStateClient, documentClient } from '../adapters/aws/dynamodb-client.js';
import { DynamoCongregadoStore } from '../adapters/aws/dynamodb-congregado-store.js';
import { DynamoJourneyStore } from '../adapters/aws/dynamodb-journey-store.js';
import { DynamoWatermarkStore } from '../adapters/aws/dynamodb-watermark-store.js';
import { DynamoPartitionVersionStore } from '../adapters/aws/dynamodb-partition-versions.js';
import { GlueCatalog } from '../adapters/aws/glue-catalog.js';
import { GlueJobRunner } from '../adapters/aws/glue-job-runner.js';
import { parseS3Uri, S3ObjectStore } from '../adapters/aws/s3-object-store.js';
import { SecretsManagerSecretProvider } from '../adapters/aws/secrets-manager.js';
import { METRICS_NAMESPACE, parsePipelineConfig, type PipelineConfig } from '../core/config.js';
import { defaultPipelineConfig } from '../core/default-config.js';
import type { MetricsSink, ProcessingLogger } from '../core/processing-log.js';
import { composeRuntime, congregadoItemBudget, journeyController, type PipelineRuntime } from '../steps/runtime.js';
import { ENV, requireEnv } from './env.js';
import { logger } from './lambda-handler.js';

/** The validated pipeline config, put into the bundle by esbuild's `define` (lib/constructs/pipeline-functions.ts). */
declare const __PIPELINE_CONFIG_B64__: string | undefined;

const service = process.env.POWERTOOLS_SERVICE_NAME ?? 'medallion-pipeline';
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: service });

/** Each processing-log metric is published at once with its own dimensions (source, layer). */
export const stepMetrics: MetricsSink = {
  add(name, unit, value, dimensions) {
    const single = metrics.singleMetric();
    for (const [k, v] of Object.entries(dimensions)) single.addDimension(k, v);
    single.addMetric(name, unit === 'Count' ? MetricUnit.Count : MetricUnit.Milliseconds, value);
  },
};

/** The processing log as Powertools structured log lines. */
const processingLogger: ProcessingLogger = {
  info: (message, attributes = {}) => logger.info(message, attributes),
  warn: (message, attributes = {}) => logger.warn(message, attributes),
  error: (message, attributes = {}) => logger.error(message, attributes),
};

/** The config this bundle was built with; the default config outside a bundle (tests, tsx). */
export function bundledConfig(): PipelineConfig {
  const raw =
    typeof __PIPELINE_CONFIG_B64__ === 'string'
      ? JSON.parse(Buffer.from(__PIPELINE_CONFIG_B64__, 'base64').toString('utf8'))
      : defaultPipelineConfig;
  return parsePipelineConfig(raw, 'bundled pipeline config');
}

/** The AWS clients the runtime uses; tests pass clients pointed at emulators or mocks. */
export interface AwsClients {
  s3: S3Client;
  dynamodb: DynamoDBClient;
  glue: GlueClient;
  secrets: SecretsManagerClient;
  athena: AthenaClient;
}

/** The runtime from an environment (names in ./env.ts); a missing variable is a MissingEnvironmentError. */
export function awsRuntime(
  env: NodeJS.ProcessEnv,
  overrides: { config?: PipelineConfig; clients?: Partial<AwsClients> } = {},
): PipelineRuntime {
  const config = overrides.config ?? bundledConfig();
  const clients = overrides.clients ?? {};
  const s3 = clients.s3 ?? new S3Client({});
  const doc = clients.dynamodb ? documentClient(clients.dynamodb) : createStateClient();
  const bucket = (name: string) => new S3ObjectStore(s3, requireEnv(env, name));
  const lake = { bronze: bucket(ENV.bronzeBucket), silver: bucket(ENV.silverBucket), gold: bucket(ENV.goldBucket) };
  const glue = clients.glue ?? new GlueClient({});
  const jobName = env[ENV.glueJobName];
  const workGroup = env[ENV.athenaWorkgroup];
  return composeRuntime({
    config,
    lake,
    catalog: new GlueCatalog(glue),
    secrets: new SecretsManagerSecretProvider(clients.secrets ?? new SecretsManagerClient({})),
    journeys: journeyController(new DynamoJourneyStore(doc, requireEnv(env, ENV.journeyTable)), config, lake.gold),
    watermarks: new DynamoWatermarkStore(doc, requireEnv(env, ENV.watermarkTable)),
    versions: new DynamoPartitionVersionStore(doc, requireEnv(env, ENV.partitionsTable)),
    congregados: new DynamoCongregadoStore(doc, requireEnv(env, ENV.congregadoTable), {
      sampleStore: lake.gold,
      maxItemBytes: congregadoItemBudget(config),
    }),
    // The job is deployed (its name set) when some consolidation may run on Glue; the state machine starts its runs.
    glue: jobName ? new GlueJobRunner({ specStore: bucket(ENV.glueSpecBucket), specPrefix: env[ENV.glueSpecPrefix] }) : undefined,
    // The state tables' MERGE runs in the pipeline's workgroup (only the Gold tables step sends any).
    goldState: workGroup
      ? new AthenaGoldStateEngine(new AthenaQueryEngine(clients.athena ?? new AthenaClient({}), { workGroup }))
      : undefined,
    // An output_path outside the lake is a bucket of its own (the stack grants the function its prefix).
    resolveOutput: (uri) => {
      const { bucket: name, key } = parseS3Uri(uri);
      return { store: new S3ObjectStore(s3, name), key };
    },
    log: processingLogger,
    metrics: stepMetrics,
    now: () => new Date(),
  });
}

let built: PipelineRuntime | undefined;

/** This container's runtime: built on the first invocation (so a bad environment fails that step), then reused. */
export function containerRuntime(): PipelineRuntime {
  return (built ??= awsRuntime(process.env));
}
