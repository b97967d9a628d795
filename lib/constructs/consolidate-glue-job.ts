// The Glue 5.0 (PySpark) job that consolidates a gold partition too big for one Lambda, from a JSON spec in S3.
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { existsSync } from 'node:fs';
import type { PipelineConfig } from '../../lambdas/core/config.js';
import { lakeTables } from '../../lambdas/core/lake/layout.js';
import type { ConsolidateGlueJobRef } from './pipeline-functions.js';
import { outputLocations } from './step-access.js';
import { PermanentError } from '../../lambdas/core/errors.js';

export interface ConsolidateGlueJobProps {
  readonly config: PipelineConfig;
  /** Path of glue-scripts/consolidate_job.py on this machine; uploaded as an asset. */
  readonly scriptPath: string;
  readonly silverBucket: s3.IBucket;
  readonly goldBucket: s3.IBucket;
  /** Physical name of the silver Glue database. */
  readonly silverDatabase: string;
  /**
   * Glue worker type.
   * @default 'G.1X'
   */
  readonly workerType?: 'G.1X' | 'G.2X' | 'G.4X' | 'G.8X';
  /**
   * Workers of a run.
   * @default 10
   */
  readonly numberOfWorkers?: number;
  /**
   * How long a run may take before Glue stops it.
   * @default Duration.hours(2)
   */
  readonly timeout?: Duration;
  /**
   * Runs of the job at once, one per partition being consolidated.
   * @default 10
   */
  readonly maxConcurrentRuns?: number;
  /**
   * Retention of the job's log groups.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
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
  /** The continuous, output and error log groups the job writes to, and no other. */
  readonly logGroups: logs.LogGroup[];
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

    const removalPolicy = config.storage.disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    this.key = new kms.Key(this, 'Key', {
      description: "Encrypts the consolidate Glue job's logs and bookmarks",
      enableKeyRotation: true,
      removalPolicy,
    });
    const securityConfigurationName = `${stack.stackName}-consolidate`;
    this.securityConfiguration = new glue.CfnSecurityConfiguration(this, 'SecurityConfiguration', {
      name: securityConfigurationName,
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

    // The job's log groups, created here with a retention so that Glue finds them instead of creating its own
    // (kept forever). With a security configuration that encrypts logs, Glue appends the configuration's name to
    // the continuous log group it is given, and writes its output and error logs under
    // /aws-glue/jobs/<configuration>-role/<role>/.
    const continuousLogGroup = `/aws-glue/jobs/${stack.stackName}/consolidate`;
    const names = {
      Continuous: `${continuousLogGroup}-${securityConfigurationName}`,
      Output: `/aws-glue/jobs/${securityConfigurationName}-role/${this.role.roleName}/output`,
      Error: `/aws-glue/jobs/${securityConfigurationName}-role/${this.role.roleName}/error`,
    };
    this.logGroups = Object.entries(names).map(
      ([id, logGroupName]) =>
        new logs.LogGroup(this, `${id}Logs`, {
          logGroupName,
          encryptionKey: this.key,
          retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
          removalPolicy,
        }),
    );
    const logGroupArn = (name: string) =>
      stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    // CloudWatch Logs encrypts these groups, and only these, with the key.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:DescribeKey'],
        resources: ['*'],
        conditions: { ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': Object.values(names).map(logGroupArn) } },
      }),
    );
    this.grant(props, Object.values(names).map(logGroupArn));

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
        '--continuous-log-logGroup': continuousLogGroup,
      },
    });
    // The groups exist before any run can write to them.
    for (const group of this.logGroups) this.job.node.addDependency(group);
    this.jobArn = stack.formatArn({ service: 'glue', resource: 'job', resourceName: this.jobName });
  }

  private grant(props: ConsolidateGlueJobProps, logGroupArns: string[]): void {
    const { config } = props;
    const stack = Stack.of(this);
    // The script object only, not the whole bootstrap assets bucket.
    if (this.script) this.script.bucket.grantRead(this.role, this.script.s3ObjectKey);
    // Whole buckets, unlike the functions: Spark's S3 file system probes the ancestors of the paths it reads and
    // writes (HEAD and LIST of each parent folder) and deletes folder markers beside them, keys that no layout prefix
    // names. The job still never touches bronze, and reaches gold only through the run folder its spec names.
    props.silverBucket.grantRead(this.role);
    // The job writes the run folder (overwrite clears an earlier attempt of the same run); its specs live here too.
    props.goldBucket.grantReadWrite(this.role);
    // A consolidation with output_path has the job write there instead of the gold bucket.
    for (const out of outputLocations(config))
      s3.Bucket.fromBucketName(this, `Output-${out.consolidation}`, out.bucketName).grantReadWrite(this.role, `${out.prefix}*`);

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
    // Its own log groups only: streams in them, and the calls Glue makes to set a group up (create it, which finds
    // it there, and associate the key) on each group by name.
    for (const group of this.logGroups) group.grantWrite(this.role);
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogGroup', 'logs:AssociateKmsKey'],
        resources: [...logGroupArns, ...this.logGroups.map((g) => g.logGroupArn)],
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
