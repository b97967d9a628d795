// One bundled Lambda per pipeline step, each granted only the buckets, tables and catalog objects it uses.
import { Duration, RemovalPolicy, Stack, ArnFormat } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serviceName, type PipelineConfig } from '../../lambdas/core/config.js';
import { ENV } from '../../lambdas/handlers/env.js';
import { lakeTables, type LakeTable } from '../../lambdas/core/lake/layout.js';
import type { StepName } from '../../lambdas/steps/index.js';
import type { PipelineFunctions } from './pipeline-state-machine.js';

/** The data lake's resources the functions work on (the DataLakeStack's outputs). */
export interface PipelineDataLake {
  bronzeBucket: s3.IBucket;
  silverBucket: s3.IBucket;
  goldBucket: s3.IBucket;
  journeyTable: dynamodb.ITable;
  congregadoTable: dynamodb.ITable;
  watermarkTable: dynamodb.ITable;
  /** Physical name of the silver Glue database (with the stage's name prefix). */
  silverDatabase: string;
  /** Name of the Athena workgroup that queries the lake. */
  athenaWorkgroup: string;
}

/** The Glue job the consolidate function starts for partitions too big for a Lambda. */
export interface ConsolidateGlueJobRef {
  jobName: string;
  jobArn: string;
  /** Bucket and key prefix (ending in `/`) where the consolidate function writes the job's JSON specs. */
  specBucket: s3.IBucket;
  specPrefix: string;
}

export interface PipelineFunctionsProps {
  config: PipelineConfig;
  dataLake: PipelineDataLake;
  /** Present when some consolidation may run on Glue (engine glue or auto). */
  glueJob?: ConsolidateGlueJobRef;
  /** Project root holding `lambdas/` and the lock file [two folders above this file]. */
  projectRoot?: string;
}

/** The environment variable names the handlers' runtime reads (one list, shared with lambdas/handlers/runtime.ts). */

const HERE = dirname(fileURLToPath(import.meta.url));

/** Grants read/write under each consolidation's `output_path` (s3://bucket/prefix/), which lies outside the lake. */
export function grantOutputPaths(scope: Construct, config: PipelineConfig, grantee: iam.IGrantable): void {
  for (const c of config.consolidations) {
    if (!c.output_path) continue;
    const [, bucket, prefix] = /^s3:\/\/([^/]+)\/(.*)$/.exec(c.output_path)!;
    s3.Bucket.fromBucketName(scope, `Output-${c.database}-${c.tabela_consolidada}`, bucket!).grantReadWrite(grantee, `${prefix}*`);
  }
}

export class PipelineFunctionsConstruct extends Construct {
  readonly functions: PipelineFunctions & Record<StepName, nodejs.NodejsFunction>;

  constructor(scope: Construct, id: string, props: PipelineFunctionsProps) {
    super(scope, id);
    const { config, dataLake: lake } = props;
    const root = props.projectRoot ?? join(HERE, '..', '..');
    const environment: Record<string, string> = {
      [ENV.bronzeBucket]: lake.bronzeBucket.bucketName,
      [ENV.silverBucket]: lake.silverBucket.bucketName,
      [ENV.goldBucket]: lake.goldBucket.bucketName,
      [ENV.journeyTable]: lake.journeyTable.tableName,
      [ENV.congregadoTable]: lake.congregadoTable.tableName,
      [ENV.watermarkTable]: lake.watermarkTable.tableName,
      [ENV.silverDatabase]: lake.silverDatabase,
      [ENV.athenaWorkgroup]: lake.athenaWorkgroup,
      ...(props.glueJob
        ? {
            [ENV.glueJobName]: props.glueJob.jobName,
            [ENV.glueSpecBucket]: props.glueJob.specBucket.bucketName,
            [ENV.glueSpecPrefix]: props.glueJob.specPrefix,
          }
        : {}),
      POWERTOOLS_SERVICE_NAME: serviceName(config),
      POWERTOOLS_LOG_LEVEL: 'INFO',
      NODE_OPTIONS: '--enable-source-maps',
    };
    // The validated config travels inside the bundle, not in an environment variable (4 KB limit, visible
    // in the console). Base64 keeps it free of characters that the bundling command line would need quoted.
    const configB64 = Buffer.from(JSON.stringify(config)).toString('base64');

    const make = (step: StepName, memoryMb: number, timeout: Duration) => {
      const logGroup = new logs.LogGroup(this, `${step}Logs`, {
        retention: logs.RetentionDays.THREE_MONTHS,
        removalPolicy: config.storage.disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
      });
      return new nodejs.NodejsFunction(this, step, {
        entry: join(root, 'lambdas', 'handlers', `${step}.ts`),
        projectRoot: root,
        depsLockFilePath: join(root, 'package-lock.json'),
        handler: 'handler',
        runtime: lambda.Runtime.NODEJS_22_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize: memoryMb,
        timeout,
        tracing: lambda.Tracing.ACTIVE,
        logGroup,
        environment,
        bundling: {
          format: nodejs.OutputFormat.ESM,
          target: 'node22',
          minify: true,
          sourceMap: true,
          mainFields: ['module', 'main'],
          externalModules: ['@aws-sdk/*'],
          // Some dependencies still call require(); an ESM bundle needs one.
          banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
          define: { __PIPELINE_CONFIG_B64__: JSON.stringify(configB64) },
        },
      });
    };
    const heavy = Duration.seconds(config.limits.lambdaTimeoutSeconds);
    this.functions = {
      plan: make('plan', 512, Duration.seconds(30)),
      ingest: make('ingest', config.limits.lambdaMemoryMb, heavy),
      refine: make('refine', config.limits.lambdaMemoryMb, heavy),
      consolidate: make('consolidate', config.limits.lambdaMemoryMb, heavy),
      complete: make('complete', 512, Duration.seconds(60)),
      fail: make('fail', 256, Duration.seconds(30)),
    };
    this.grant(config, lake);
  }

  private grant(config: PipelineConfig, lake: PipelineDataLake): void {
    const f = this.functions;
    for (const fn of Object.values(f)) lake.journeyTable.grantReadWriteData(fn);
    lake.watermarkTable.grantReadData(f.plan);
    lake.watermarkTable.grantReadWriteData(f.complete);

    lake.bronzeBucket.grantReadWrite(f.ingest);
    // Refine reads bronze and never changes it.
    lake.bronzeBucket.grantRead(f.refine);
    lake.silverBucket.grantReadWrite(f.refine);
    lake.silverBucket.grantRead(f.consolidate);
    // ReadWrite includes delete: a rerun replaces a gold partition and removes the superseded files.
    lake.goldBucket.grantReadWrite(f.consolidate);
    lake.congregadoTable.grantReadWriteData(f.consolidate);
    grantOutputPaths(this, config, f.consolidate);

    const stack = Stack.of(this);
    const glueArn = (resource: string, resourceName?: string) => stack.formatArn({ service: 'glue', resource, resourceName });
    const catalog = glueArn('catalog');
    const partitionActions = [
      'glue:GetTable',
      'glue:GetPartition',
      'glue:GetPartitions',
      'glue:BatchGetPartition',
      'glue:CreatePartition',
      'glue:BatchCreatePartition',
      'glue:UpdatePartition',
    ];
    const tables = lakeTables(config);
    const tableArn = (t: LakeTable) => glueArn('table', `${t.database}/${t.name}`);
    const silver = tables.filter((t) => t.layer === 'silver');
    const gold = tables.filter((t) => t.layer === 'gold');
    f.refine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: partitionActions,
        resources: [catalog, glueArn('database', lake.silverDatabase), ...silver.map(tableArn)],
      }),
    );
    const origins = new Set(config.consolidations.flatMap((c) => c.origens));
    if (config.consolidations.length > 0) {
      f.consolidate.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['glue:GetTable', 'glue:GetPartition', 'glue:GetPartitions'],
          resources: [catalog, glueArn('database', lake.silverDatabase), ...silver.filter((t) => origins.has(t.name)).map(tableArn)],
        }),
      );
    }
    if (gold.length > 0) {
      f.consolidate.addToRolePolicy(
        new iam.PolicyStatement({
          actions: partitionActions,
          resources: [catalog, ...new Set(gold.map((t) => glueArn('database', t.database))), ...gold.map(tableArn)],
        }),
      );
    }
    // No Glue job action for the consolidate function: it only writes a run's spec (into the gold bucket), and the
    // state machine starts the run and waits for it (glue:startJobRun.sync, granted to the state machine's role).

    const secrets = [...new Set(config.sources.flatMap((s) => (s.http?.authSecretName ? [s.http.authSecretName] : [])))];
    if (secrets.length > 0) {
      f.ingest.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          // Secrets Manager appends six random characters to a secret's name in its ARN.
          resources: secrets.map((name) =>
            stack.formatArn({
              service: 'secretsmanager',
              resource: 'secret',
              resourceName: `${name}-??????`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ),
        }),
      );
    }
  }
}
