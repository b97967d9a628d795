// The environment variables the PipelineStack sets on the step functions and the Lambda runtime reads.
// Kept free of CDK imports so that the handlers' bundles do not pull in aws-cdk-lib.
import { PermanentError } from '../core/errors.js';

export const ENV = {
  bronzeBucket: 'BRONZE_BUCKET',
  silverBucket: 'SILVER_BUCKET',
  goldBucket: 'GOLD_BUCKET',
  journeyTable: 'JOURNEY_TABLE',
  congregadoTable: 'CONGREGADO_TABLE',
  watermarkTable: 'WATERMARK_TABLE',
  partitionsTable: 'PARTITIONS_TABLE',
  silverDatabase: 'SILVER_DATABASE',
  athenaWorkgroup: 'ATHENA_WORKGROUP',
  glueJobName: 'GLUE_JOB_NAME',
  glueSpecBucket: 'GLUE_SPEC_BUCKET',
  glueSpecPrefix: 'GLUE_SPEC_PREFIX',
  /** The file-drop trigger's state machine. */
  stateMachineArn: 'STATE_MACHINE_ARN',
} as const;

/** A required environment variable is missing: the stack did not set it, or the function runs outside it. */
export class MissingEnvironmentError extends PermanentError {
  constructor(readonly variable: string) {
    super(
      'MissingEnvironmentError',
      `Environment variable ${variable} is not set; deploy the function with the PipelineStack, which sets it`,
    );
  }
}

export function requireEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new MissingEnvironmentError(name);
  return value;
}
