// The environment variables the PipelineStack sets on the step functions and the Lambda runtime reads.
// Kept free of CDK imports so that the handlers' bundles do not pull in aws-cdk-lib.
export const ENV = {
  bronzeBucket: 'BRONZE_BUCKET',
  silverBucket: 'SILVER_BUCKET',
  goldBucket: 'GOLD_BUCKET',
  journeyTable: 'JOURNEY_TABLE',
  congregadoTable: 'CONGREGADO_TABLE',
  watermarkTable: 'WATERMARK_TABLE',
  silverDatabase: 'SILVER_DATABASE',
  athenaWorkgroup: 'ATHENA_WORKGROUP',
  glueJobName: 'GLUE_JOB_NAME',
  glueSpecBucket: 'GLUE_SPEC_BUCKET',
  glueSpecPrefix: 'GLUE_SPEC_PREFIX',
} as const;
