// One bundled Lambda per pipeline step, each with a role of its own granted only the prefixes, table actions
// and catalog objects its step uses (lib/constructs/step-access.ts).
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
import {
  currentStateTable,
  historyTable,
  physicalName,
  serviceName,
  sourceSecretNames,
  type ConsolidationConfig,
  type PipelineConfig,
} from '../../lambdas/core/config.js';
import { ENV } from '../../lambdas/handlers/env.js';
import { goldLayout, lakeTables, qualityResultsTable, type LakeTable } from '../../lambdas/core/lake/layout.js';
import { QUERY_RESULTS_PREFIX } from './data-lake/athena-workgroup.js';
import { attachToVpc } from './function-vpc.js';
import { grantItemActions, grantPrefixes } from './lake-grants.js';
import { outputLocations, STEP_STATE_ACCESS, stepLakeAccess, type PrefixAccess } from './step-access.js';
import type { StepName } from '../../lambdas/steps/index.js';
import type { PipelineFunctions } from './pipeline-state-machine.js';

/** The data lake's resources the functions work on (the DataLakeStack's outputs). */
export interface PipelineDataLake {
  readonly bronzeBucket: s3.IBucket;
  readonly silverBucket: s3.IBucket;
  readonly goldBucket: s3.IBucket;
  readonly journeyTable: dynamodb.ITable;
  readonly congregadoTable: dynamodb.ITable;
  readonly watermarkTable: dynamodb.ITable;
  readonly partitionsTable: dynamodb.ITable;
  /** Physical name of the silver Glue database (with the stage's name prefix). */
  readonly silverDatabase: string;
  /** Name of the Athena workgroup that queries the lake. */
  readonly athenaWorkgroup: string;
  /** The workgroup's query results bucket (Athena writes a statement's results there with its caller's rights). */
  readonly queryResultsBucket: s3.IBucket;
}

/** The Glue job the consolidate function starts for partitions too big for a Lambda. */
export interface ConsolidateGlueJobRef {
  readonly jobName: string;
  readonly jobArn: string;
  /** Bucket and key prefix (ending in `/`) where the consolidate function writes the job's JSON specs. */
  readonly specBucket: s3.IBucket;
  readonly specPrefix: string;
}

export interface PipelineFunctionsProps {
  readonly config: PipelineConfig;
  readonly dataLake: PipelineDataLake;
  /**
   * The Glue job, present when some consolidation may run on Glue (engine glue or auto).
   * @default - no Glue job: every consolidation runs in the consolidate function
   */
  readonly glueJob?: ConsolidateGlueJobRef;
  /**
   * Project root holding `lambdas/` and the lock file.
   * @default - the repository root, two folders above this file
   */
  readonly projectRoot?: string;
}

export interface PipelineFunctionOptions {
  readonly config: PipelineConfig;
  /** Project root holding `lambdas/` and the lock file. */
  readonly root: string;
  readonly environment: Record<string, string>;
  readonly memoryMb: number;
  readonly timeout: Duration;
  /** What the function is, for its role's description. */
  readonly description: string;
  /**
   * The handler's file name under `lambdas/handlers/`, without `.ts`.
   * @default - the function's id
   */
  readonly handlerFile?: string;
}

/**
 * One bundled function of the pipeline (a step, or the file-drop trigger): `lambdas/handlers/<id>.ts` with its own log
 * group, a role of its own and the validated config inside the bundle.
 */
export function pipelineFunction(scope: Construct, id: string, o: PipelineFunctionOptions): nodejs.NodejsFunction {
  const { config } = o;
  // The validated config travels inside the bundle, not in an environment variable (4 KB limit, visible
  // in the console). Base64 keeps it free of characters that the bundling command line would need quoted.
  const configB64 = Buffer.from(JSON.stringify(config)).toString('base64');
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    retention: logs.RetentionDays.THREE_MONTHS,
    removalPolicy: config.storage.disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
  });
  // A role of its own with no managed policy: the function writes only to its own log group (and X-Ray,
  // which Lambda's tracing grants and which accepts no resource), plus what grant() gives it.
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `${o.description} of ${serviceName(config)}`,
  });
  logGroup.grantWrite(role);
  return new nodejs.NodejsFunction(scope, id, {
    entry: join(o.root, 'lambdas', 'handlers', `${o.handlerFile ?? id}.ts`),
    projectRoot: o.root,
    depsLockFilePath: join(o.root, 'package-lock.json'),
    handler: 'handler',
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: o.memoryMb,
    timeout: o.timeout,
    tracing: lambda.Tracing.ACTIVE,
    logGroup,
    role,
    environment: o.environment,
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
}

const HERE = dirname(fileURLToPath(import.meta.url));

/** Exactly what GlueCatalog sends to publish a partition: read the table and the partition, create it or repoint it. */
const PARTITION_ACTIONS = ['glue:GetTable', 'glue:GetPartition', 'glue:BatchCreatePartition', 'glue:UpdatePartition'];

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
      [ENV.partitionsTable]: lake.partitionsTable.tableName,
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
    const make = (step: StepName, memoryMb: number, timeout: Duration) =>
      pipelineFunction(this, step, { config, root, environment, memoryMb, timeout, description: `The ${step} step function` });
    const heavy = Duration.seconds(config.limits.lambdaTimeoutSeconds);
    this.functions = {
      plan: make('plan', 512, Duration.seconds(30)),
      ingest: make('ingest', config.limits.lambdaMemoryMb, heavy),
      refine: make('refine', config.limits.lambdaMemoryMb, heavy),
      consolidate: make('consolidate', config.limits.lambdaMemoryMb, heavy),
      // Only waits on Athena: the MERGE runs there.
      goldTables: pipelineFunction(this, 'goldTables', {
        config,
        root,
        environment,
        memoryMb: 512,
        timeout: heavy,
        handlerFile: 'gold-tables',
        description: 'The gold tables step function',
      }),
      complete: make('complete', 512, Duration.seconds(60)),
      fail: make('fail', 256, Duration.seconds(30)),
    };
    // Only ingest calls the sources' APIs; the other steps reach AWS alone and stay outside the VPC.
    if (config.vpc) attachToVpc(this.functions.ingest, config.vpc);
    this.grant(config, lake, props.glueJob);
  }

  /**
   * The Gold tables step runs Athena statements in the workgroup with its own rights: Athena reads gold and writes
   * the state tables' Iceberg files and the query results as the caller. So: the workgroup's query actions; the
   * Glue actions the DDL, MERGE and SELECTs send (gold database, gold table, state tables); gold read, the state
   * tables' prefixes read-write; the results prefix. The aggregates publish partitions as consolidate does: their
   * tables' partition actions, their prefixes read-write, the partition versions (STEP_STATE_ACCESS).
   */
  private grantGoldTables(config: PipelineConfig, lake: PipelineDataLake): void {
    const fn = this.functions.goldTables;
    const kept = config.consolidations.filter(
      (c) => !c.output_path && (currentStateTable(c) || historyTable(c) || c.aggregates.length > 0),
    );
    if (kept.length === 0) return;
    const stack = Stack.of(this);
    const glueArn = (resource: string, resourceName?: string) => stack.formatArn({ service: 'glue', resource, resourceName });
    const tableArn = (c: ConsolidationConfig, table: string) => glueArn('table', `${physicalName(config, c.database)}/${table}`);
    const stateTables = (c: ConsolidationConfig) => [currentStateTable(c), historyTable(c)].filter((t) => t !== undefined);
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution'],
        resources: [stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: lake.athenaWorkgroup })],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartitions', 'glue:CreateTable', 'glue:UpdateTable'],
        resources: [
          glueArn('catalog'),
          ...new Set(kept.map((c) => glueArn('database', physicalName(config, c.database)))),
          ...kept.flatMap((c) => [c.tabela_consolidada, ...stateTables(c)].map((t) => tableArn(c, t))),
        ],
      }),
    );
    const aggregated = kept.filter((c) => c.aggregates.length > 0);
    if (aggregated.length > 0)
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          // A partition's publication, and CreateTable to recreate a table gone missing.
          actions: [...PARTITION_ACTIONS, 'glue:CreateTable'],
          resources: [
            glueArn('catalog'),
            ...new Set(aggregated.map((c) => glueArn('database', physicalName(config, c.database)))),
            ...aggregated.flatMap((c) => c.aggregates.map((a) => tableArn(c, a.table))),
          ],
        }),
      );
    grantPrefixes(fn, lake.goldBucket, [
      ...kept.map((c): PrefixAccess => ({ prefix: goldLayout.tablePrefix(c.database, c.tabela_consolidada), access: ['read'] })),
      ...kept.flatMap((c) =>
        [...stateTables(c), ...c.aggregates.map((a) => a.table)].map((t): PrefixAccess => ({
          prefix: goldLayout.tablePrefix(c.database, t),
          access: ['read', 'write', 'delete'],
        })),
      ),
    ]);
    grantPrefixes(fn, lake.queryResultsBucket, [{ prefix: QUERY_RESULTS_PREFIX, access: ['read', 'write'] }]);
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetBucketLocation'],
        resources: [lake.goldBucket.bucketArn, lake.queryResultsBucket.bucketArn],
      }),
    );
  }

  private grant(config: PipelineConfig, lake: PipelineDataLake, glueJob: ConsolidateGlueJobRef | undefined): void {
    const f = this.functions;
    const tables = {
      journey: lake.journeyTable,
      watermark: lake.watermarkTable,
      congregado: lake.congregadoTable,
      partitions: lake.partitionsTable,
    };
    const buckets = { bronze: lake.bronzeBucket, silver: lake.silverBucket, gold: lake.goldBucket };
    // The Glue job's specs live in the gold bucket (ConsolidateGlueJob.specBucket).
    const access = stepLakeAccess(config, { glueSpecPrefix: glueJob?.specPrefix });
    for (const step of Object.keys(f) as StepName[]) {
      for (const [name, table] of Object.entries(tables) as [keyof typeof tables, dynamodb.ITable][])
        grantItemActions(f[step], table, STEP_STATE_ACCESS[step][name] ?? []);
      for (const [name, bucket] of Object.entries(buckets) as [keyof typeof buckets, s3.IBucket][])
        grantPrefixes(f[step], bucket, access[step][name] ?? []);
    }
    // An output_path lies outside the lake: consolidate writes its partitions there, replacing a rerun's files.
    for (const out of outputLocations(config))
      grantPrefixes(f.consolidate, s3.Bucket.fromBucketName(this, `Output-${out.consolidation}`, out.bucketName), [
        { prefix: out.prefix, access: ['read', 'write', 'delete'] },
      ]);

    const stack = Stack.of(this);
    const glueArn = (resource: string, resourceName?: string) => stack.formatArn({ service: 'glue', resource, resourceName });
    const catalog = glueArn('catalog');
    const declared = lakeTables(config);
    const tableArn = (t: LakeTable) => glueArn('table', `${t.database}/${t.name}`);
    const silver = declared.filter((t) => t.layer === 'silver');
    const gold = declared.filter((t) => t.layer === 'gold');
    f.refine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: PARTITION_ACTIONS,
        resources: [catalog, glueArn('database', lake.silverDatabase), ...silver.map(tableArn)],
      }),
    );
    const origins = new Set(config.consolidations.flatMap((c) => c.origens));
    if (config.consolidations.length > 0) {
      f.consolidate.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['glue:GetTable', 'glue:GetPartition'],
          resources: [catalog, glueArn('database', lake.silverDatabase), ...silver.filter((t) => origins.has(t.name)).map(tableArn)],
        }),
      );
    }
    if (gold.length > 0) {
      f.consolidate.addToRolePolicy(
        new iam.PolicyStatement({
          // CreateTable: GlueCatalog.ensureTable recreates a declared gold table that went missing from the catalog.
          actions: [...PARTITION_ACTIONS, 'glue:CreateTable'],
          resources: [catalog, ...new Set(gold.map((t) => glueArn('database', t.database))), ...gold.map(tableArn)],
        }),
      );
    }
    // quality_results: a new partition a day for each checked partition (refine's silver, consolidate's gold), and
    // CreateTable as for a gold table: the writer recreates the declared table when it went missing from the catalog.
    const quality = qualityResultsTable(config);
    const checkers = [
      ...(config.sources.some((s) => s.expectations.length > 0) ? [f.refine] : []),
      ...(config.consolidations.some((c) => c.expectations.length > 0) ? [f.consolidate] : []),
    ];
    if (quality)
      for (const fn of checkers)
        fn.addToRolePolicy(
          new iam.PolicyStatement({
            actions: [...PARTITION_ACTIONS, 'glue:CreateTable'],
            resources: [catalog, glueArn('database', quality.database), tableArn(quality)],
          }),
        );
    this.grantGoldTables(config, lake);
    // No Glue job action for the consolidate function: it only writes a run's spec (into the gold bucket), and the
    // state machine starts the run and waits for it (glue:startJobRun.sync, granted to the state machine's role).

    const secrets = [...new Set(config.sources.flatMap((s) => sourceSecretNames(s.http)))];
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
