// Builds the steps' runtime in Lambda from the environment: config, AWS clients and adapters, logger.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { createStateClient, documentClient } from '../adapters/aws/dynamodb-client.js';
import { DynamoCongregadoStore } from '../adapters/aws/dynamodb-congregado-store.js';
import { DynamoJourneyStore } from '../adapters/aws/dynamodb-journey-store.js';
import { DynamoWatermarkStore } from '../adapters/aws/dynamodb-watermark-store.js';
import { GlueCatalog } from '../adapters/aws/glue-catalog.js';
import { GlueJobRunner } from '../adapters/aws/glue-job-runner.js';
import { GlueJobStillRunningError } from '../ports/glue-runner.js';
import { S3ObjectStore } from '../adapters/aws/s3-object-store.js';
import { SecretsManagerSecretProvider } from '../adapters/aws/secrets-manager.js';
import { METRICS_NAMESPACE, parsePipelineConfig, type PipelineConfig } from '../core/config.js';
import { defaultPipelineConfig } from '../core/default-config.js';
import type { MetricsSink, ProcessingLogger } from '../core/processing-log.js';
import { composeRuntime, congregadoItemBudget, journeyController } from './compose-runtime.js';
import { ENV } from './env-names.js';
import type { PipelineRuntime } from './steps.js';

/** The validated pipeline config, put into the bundle by esbuild's `define` (lib/constructs/pipeline-functions.ts). */
declare const __PIPELINE_CONFIG_B64__: string | undefined;

// The deployment sets POWERTOOLS_SERVICE_NAME to serviceName(config) (lib/constructs/pipeline-functions.ts).
const service = process.env.POWERTOOLS_SERVICE_NAME ?? 'medallion-pipeline';
export const logger = new Logger({ serviceName: service });
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
  const raw = typeof __PIPELINE_CONFIG_B64__ === 'string' ? JSON.parse(Buffer.from(__PIPELINE_CONFIG_B64__, 'base64').toString('utf8')) : defaultPipelineConfig;
  return parsePipelineConfig(raw, 'bundled pipeline config');
}

/** A required environment variable is missing: the stack did not set it, or the function runs outside it. */
export class MissingEnvironmentError extends Error {
  constructor(readonly variable: string) {
    super(`Environment variable ${variable} is not set; deploy the function with the PipelineStack, which sets it`);
    this.name = 'MissingEnvironmentError';
  }
}

export function requireEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new MissingEnvironmentError(name);
  return value;
}
/** The AWS clients the runtime uses; tests pass clients pointed at emulators or mocks. */
export interface AwsClients {
  s3: S3Client;
  dynamodb: DynamoDBClient;
  glue: GlueClient;
  secrets: SecretsManagerClient;
}

/**
 * The runtime of a Lambda container, from its environment (names in ./env-names.ts). Adapters are
 * built on first use, so a missing variable surfaces as the step's (permanent) error.
 */
export function awsRuntime(env: NodeJS.ProcessEnv, overrides: { config?: PipelineConfig; clients?: Partial<AwsClients> } = {}): PipelineRuntime {
  const config = overrides.config ?? bundledConfig();
  let built: PipelineRuntime | undefined;
  const rt = () => (built ??= buildAwsRuntime(config, env, overrides.clients ?? {}));
  return {
    config,
    journeys: {
      begin: (...a) => rt().journeys.begin(...a),
      recordStep: (...a) => rt().journeys.recordStep(...a),
      complete: (...a) => rt().journeys.complete(...a),
      fail: (...a) => rt().journeys.fail(...a),
    },
    watermarks: { get: (s) => rt().watermarks.get(s), advance: (...a) => rt().watermarks.advance(...a) },
    ingest: (r) => rt().ingest(r),
    refine: (r) => rt().refine(r),
    consolidatePartition: (r) => rt().consolidatePartition(r),
    now: () => new Date(),
  };
}

function buildAwsRuntime(config: PipelineConfig, env: NodeJS.ProcessEnv, clients: Partial<AwsClients>): PipelineRuntime {
  const s3 = clients.s3 ?? new S3Client({});
  const doc = clients.dynamodb ? documentClient(clients.dynamodb) : createStateClient();
  const bucket = (name: string) => new S3ObjectStore(s3, requireEnv(env, name));
  const lake = { bronze: bucket(ENV.bronzeBucket), silver: bucket(ENV.silverBucket), gold: bucket(ENV.goldBucket) };
  const glue = clients.glue ?? new GlueClient({});
  const jobName = env[ENV.glueJobName];
  return composeRuntime({
    config,
    lake,
    catalog: new GlueCatalog(glue),
    secrets: new SecretsManagerSecretProvider(clients.secrets ?? new SecretsManagerClient({})),
    journeys: journeyController(new DynamoJourneyStore(doc, requireEnv(env, ENV.journeyTable)), config),
    watermarks: new DynamoWatermarkStore(doc, requireEnv(env, ENV.watermarkTable)),
    congregados: new DynamoCongregadoStore(doc, requireEnv(env, ENV.congregadoTable), { sampleStore: lake.gold, maxItemBytes: congregadoItemBudget(config) }),
    glue: jobName
      ? new GlueJobRunner(glue, { jobName, specStore: bucket(ENV.glueSpecBucket), specPrefix: env[ENV.glueSpecPrefix], waitMs: glueWaitMs })
      : undefined,
    log: processingLogger,
    metrics: stepMetrics,
    now: () => new Date(),
  });
}

/** When the current invocation times out (epoch ms), as the Lambda context tells it. */
let invocationDeadline: number | undefined;

/** The longest one call waits on a Glue run before handing back to the state machine. */
export const GLUE_WAIT_MS = 4 * 60_000;
/** Time kept for what follows the wait (catalog switch, congregado) before the invocation times out. */
const AFTER_GLUE_MS = 60_000;

/** How long a Glue wait may last in this invocation: at most GLUE_WAIT_MS, and a minute short of its timeout. */
export function glueWaitMs(now = Date.now()): number {
  if (invocationDeadline === undefined) return GLUE_WAIT_MS;
  return Math.max(0, Math.min(GLUE_WAIT_MS, invocationDeadline - now - AFTER_GLUE_MS));
}

/** The part of the Lambda context the handlers read. */
export interface InvocationContext {
  getRemainingTimeInMillis(): number;
}

/** Wraps a step as a Lambda handler with structured logs of its start, end and error. */
export function lambdaHandler<T>(step: string, run: (event: unknown) => Promise<T>): (event: unknown, context?: InvocationContext) => Promise<T> {
  return async (event, context) => {
    invocationDeadline = context ? Date.now() + context.getRemainingTimeInMillis() : undefined;
    logger.appendKeys({ step });
    const started = Date.now();
    try {
      const result = await run(event);
      logger.info('step succeeded', { duration_ms: Date.now() - started });
      return result;
    } catch (err) {
      // Logged once here; the state machine receives the same error as the function's result.
      if (err instanceof GlueJobStillRunningError) logger.info('step waiting on a Glue run; the state machine calls it again', { duration_ms: Date.now() - started, detail: err.message });
      else logger.error('step failed', { duration_ms: Date.now() - started, error: err as Error });
      throw err;
    }
  };
}
