// Builds the steps' runtime in Lambda from the environment: config, AWS clients and adapters, logger.
import { Logger } from '@aws-lambda-powertools/logger';
import { parsePipelineConfig, type PipelineConfig } from '../core/config.js';
import { defaultPipelineConfig } from '../core/default-config.js';
import type { PipelineRuntime } from './steps.js';

/** The validated pipeline config, put into the bundle by esbuild's `define` (lib/constructs/pipeline-functions.ts). */
declare const __PIPELINE_CONFIG_B64__: string | undefined;

export const logger = new Logger({ serviceName: 'medallion-pipeline' });

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

/** A part of the runtime whose adapter has not been wired into this build. */
export class StepNotWiredError extends Error {
  constructor(what: string) {
    super(`${what} is not wired into the Lambda runtime yet (lambdas/handlers/runtime.ts)`);
    this.name = 'StepNotWiredError';
  }
}

/** The runtime of a Lambda container, from its environment (names in lib/constructs/pipeline-functions.ts, ENV). */
export function awsRuntime(_env: NodeJS.ProcessEnv): PipelineRuntime {
  const config = bundledConfig();
  const notWired = (what: string) => () => Promise.reject(new StepNotWiredError(what));
  return {
    config,
    journeys: { begin: notWired('JourneyController'), recordStep: notWired('JourneyController'), complete: notWired('JourneyController'), fail: notWired('JourneyController') },
    watermarks: { get: notWired('WatermarkStore'), advance: notWired('WatermarkStore') },
    ingest: notWired('ingestSource'),
    refine: notWired('refineSource'),
    consolidatePartition: notWired('consolidateTable'),
    now: () => new Date(),
  };
}

/** Wraps a step as a Lambda handler with structured logs of its start, end and error. */
export function lambdaHandler<T>(step: string, run: (event: unknown) => Promise<T>): (event: unknown) => Promise<T> {
  return async (event) => {
    logger.appendKeys({ step });
    const started = Date.now();
    try {
      const result = await run(event);
      logger.info('step succeeded', { duration_ms: Date.now() - started });
      return result;
    } catch (err) {
      // Logged once here; the state machine receives the same error as the function's result.
      logger.error('step failed', { duration_ms: Date.now() - started, error: err as Error });
      throw err;
    }
  };
}
