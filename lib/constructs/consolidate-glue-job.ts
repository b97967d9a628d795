// The Glue 5.0 (PySpark) job that consolidates a gold partition too big for one Lambda, from a JSON spec in S3.
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { existsSync } from 'node:fs';
import type { PipelineConfig } from '../../lambdas/core/config.js';
import { lakeTables } from '../../lambdas/core/lake/layout.js';
import { grantOutputPaths, type ConsolidateGlueJobRef } from './pipeline-functions.js';
import { PermanentError } from '../../lambdas/core/errors.js';

export interface ConsolidateGlueJobProps {
  config: PipelineConfig;
  /** Path of glue-scripts/consolidate_job.py on this machine; uploaded as an asset. */
  scriptPath: string;
  silverBucket: s3.IBucket;
  goldBucket: s3.IBucket;
  /** Physical name of the silver Glue database. */
  silverDatabase: string;
  /** [G.1X] */
  workerType?: 'G.1X' | 'G.2X' | 'G.4X' | 'G.8X';
  /** [10] */
  numberOfWorkers?: number;
  /** [2 hours] */
  timeout?: Duration;
  /** Runs of the job at once, one per partition being consolidated [10]. */
  maxConcurrentRuns?: number;
}

/** Where the consolidate Lambda writes a run's spec in the gold bucket; the job reads only there. */
export const GLUE_SPEC_PREFIX = '_glue-specs/';
/** The job's script location in a synth that skips bundling and has no script on disk. */
export const SKIPPED_SCRIPT_LOCATION = 's3://bundling-skipped/consolidate_job.py';

/** A Glue script that is not on disk: the asset cannot be uploaded. */
export class GlueScriptMissingError extends PermanentError {
  constructor(readonly path: string) {
    super(
      'GlueScriptMissingError',
      `Glue script ${path} does not exist; the consolidate Glue job uploads it as an asset (glue-scripts/consolidate_job.py)`,
    );
  }
}

export class ConsolidateGlueJob extends Construct implements ConsolidateGlueJobRef {
  readonly job: glue.CfnJob;
  readonly role: iam.Role;
  readonly key: kms.Key;
  readonly securityConfiguration: glue.CfnSecurityConfiguration;
  /** Absent only when bundling is skipped and the script is not on disk. */
  readonly script?: s3assets.Asset;
  readonly jobName: string;
  readonly jobArn: string;
  readonly specBucket: s3.IBucket;
  readonly specPrefix = GLUE_SPEC_PREFIX;
  /** How long a run may take before Glue stops it. */
  readonly timeout: Duration;
  /** Runs of the job at once (its MaxConcurrentRuns); the state machine checks what an execution may ask against it. */
  readonly maxConcurrentRuns: number;

  constructor(scope: Construct, id: string, props: ConsolidateGlueJobProps) {
    super(scope, id);
    const { config } = props;
    const stack = Stack.of(this);
    this.specBucket = props.goldBucket;
    this.timeout = props.timeout ?? Duration.hours(2);
    this.maxConcurrentRuns = props.maxConcurrentRuns ?? 10;
    if (existsSync(props.scriptPath)) {
      this.script = new s3assets.Asset(this, 'Script', { path: props.scriptPath });
    } else if (stack.bundlingRequired) {
      throw new GlueScriptMissingError(props.scriptPath);
    }
    // Else bundling is skipped (the local runner, tests): like the Lambda code, the script is not needed.
    const scriptLocation = this.script?.s3ObjectUrl ?? SKIPPED_SCRIPT_LOCATION;

    const logGroups = stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: '/aws-glue/*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.key = new kms.Key(this, 'Key', {
      description: "Encrypts the consolidate Glue job's logs and bookmarks",
      enableKeyRotation: true,
      removalPolicy: config.storage.disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    // Glue asks CloudWatch Logs to encrypt the job's log groups with this key.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:DescribeKey'],
        resources: ['*'],
        conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': logGroups } },
      }),
    );

    this.securityConfiguration = new glue.CfnSecurityConfiguration(this, 'SecurityConfiguration', {
      name: `${stack.stackName}-consolidate`,
      encryptionConfiguration: {
        s3Encryptions: [{ s3EncryptionMode: 'SSE-S3' }],
        cloudWatchEncryption: { cloudWatchEncryptionMode: 'SSE-KMS', kmsKeyArn: this.key.keyArn },
        jobBookmarksEncryption: { jobBookmarksEncryptionMode: 'CSE-KMS', kmsKeyArn: this.key.keyArn },
      },
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('glue.amazonaws.com'),
      description: 'The consolidate Glue job: reads silver and its catalog tables, writes a gold run folder',
    });
    this.grant(props, logGroups);

    this.jobName = `${stack.stackName}-consolidate`;
    this.job = new glue.CfnJob(this, 'Job', {
      name: this.jobName,
      description: 'Consolidates one gold partition with the generated Spark SQL (spec in --spec_uri)',
      role: this.role.roleArn,
      glueVersion: '5.0',
      command: { name: 'glueetl', pythonVersion: '3', scriptLocation },
      workerType: props.workerType ?? 'G.1X',
      numberOfWorkers: props.numberOfWorkers ?? 10,
      timeout: this.timeout.toMinutes(),
      maxRetries: 0,
      executionProperty: { maxConcurrentRuns: this.maxConcurrentRuns },
      securityConfiguration: this.securityConfiguration.ref,
      defaultArguments: {
        '--job-language': 'python',
        '--enable-glue-datacatalog': 'true',
        // Each run is told its partition by its spec; bookmarks would skip data a rerun must see again.
        '--job-bookmark-option': 'job-bookmark-disable',
        '--enable-continuous-cloudwatch-log': 'true',
        '--enable-continuous-log-filter': 'true',
      },
    });
    this.jobArn = stack.formatArn({ service: 'glue', resource: 'job', resourceName: this.jobName });
  }

  private grant(props: ConsolidateGlueJobProps, logGroups: string): void {
    const { config } = props;
    const stack = Stack.of(this);
    // The script object only, not the whole bootstrap assets bucket.
    if (this.script) this.script.bucket.grantRead(this.role, this.script.s3ObjectKey);
    props.silverBucket.grantRead(this.role);
    // The job writes the run folder (overwrite clears an earlier attempt of the same run); its specs live here too.
    props.goldBucket.grantReadWrite(this.role);

    const glueArn = (resource: string, resourceName?: string) => stack.formatArn({ service: 'glue', resource, resourceName });
    const origins = new Set(config.consolidations.flatMap((c) => c.origens));
    const silver = lakeTables(config).filter((t) => t.layer === 'silver' && origins.has(t.name));
    // The job only reads the catalog: the consolidate function switches the gold partition to the job's output.
    // Spark's catalog client also looks up the `default` database when it starts.
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition'],
        resources: [
          glueArn('catalog'),
          glueArn('database', 'default'),
          glueArn('database', props.silverDatabase),
          ...silver.map((t) => glueArn('table', `${t.database}/${t.name}`)),
        ],
      }),
    );
    // A consolidation with output_path has the job write there instead of the gold bucket.
    grantOutputPaths(this, config, this.role);
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:AssociateKmsKey'],
        resources: [logGroups],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [this.key.keyArn],
      }),
    );
  }
}
