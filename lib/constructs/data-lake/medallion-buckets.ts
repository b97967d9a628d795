// The lake's S3 buckets: bronze, silver, gold, Athena query results, and the server access logs they write to.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { StorageConfig } from '../../../lambdas/core/config.js';

export interface MedallionBucketsProps {
  readonly storage: StorageConfig;
}

/** Days after which an upload that was started but never completed is aborted and its parts deleted. */
const ABORT_INCOMPLETE_UPLOAD_DAYS = 7;
/** Athena query results are scratch output: the pipeline never reads them back. */
const QUERY_RESULTS_EXPIRATION_DAYS = 30;
const ACCESS_LOGS_EXPIRATION_DAYS = 365;

/**
 * SSE-S3 encryption throughout: every reader (Athena, Glue, the Lambdas) decrypts without key grants or
 * per-request KMS charges, and S3 server access logging only delivers to SSE-S3 buckets. A bucket is
 * RETAINed unless the stage is disposable; then it is destroyed with its objects.
 */
export class MedallionBuckets extends Construct {
  readonly bronze: s3.Bucket;
  readonly silver: s3.Bucket;
  readonly gold: s3.Bucket;
  readonly queryResults: s3.Bucket;
  readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string, props: MedallionBucketsProps) {
    super(scope, id);
    const { storage } = props;
    const removal = storage.disposable
      ? { removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true }
      : { removalPolicy: RemovalPolicy.RETAIN, autoDeleteObjects: false };
    const common: s3.BucketProps = {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      ...removal,
    };
    const abortUploads: s3.LifecycleRule = {
      id: 'abort-incomplete-uploads',
      abortIncompleteMultipartUploadAfter: Duration.days(ABORT_INCOMPLETE_UPLOAD_DAYS),
    };

    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      ...common,
      lifecycleRules: [abortUploads, { id: 'expire-logs', expiration: Duration.days(ACCESS_LOGS_EXPIRATION_DAYS) }],
    });
    const dataBucket = (name: 'bronze' | 'silver' | 'gold', extraRules: s3.LifecycleRule[] = []) =>
      new s3.Bucket(this, name.charAt(0).toUpperCase() + name.slice(1), {
        ...common,
        versioned: true,
        serverAccessLogsBucket: this.accessLogs,
        serverAccessLogsPrefix: `${name}/`,
        lifecycleRules: [
          abortUploads,
          { id: 'expire-noncurrent-versions', noncurrentVersionExpiration: Duration.days(storage.noncurrentVersionExpirationDays) },
          ...extraRules,
        ],
      });
    this.bronze = dataBucket(
      'bronze',
      storage.bronzeTransitionDays === undefined
        ? []
        : [
            {
              id: 'bronze-to-infrequent-access',
              transitions: [
                { storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(storage.bronzeTransitionDays) },
              ],
            },
          ],
    );
    // Bronze tells EventBridge of its objects: a file dropped under pending/ starts its run (FileDropTrigger). Set on
    // the template itself: the `eventBridgeEnabled` prop would add a custom-resource Lambda to do what CloudFormation does.
    (this.bronze.node.defaultChild as s3.CfnBucket).notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
    this.silver = dataBucket('silver');
    this.gold = dataBucket('gold');
    this.queryResults = new s3.Bucket(this, 'QueryResults', {
      ...common,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'query-results/',
      lifecycleRules: [abortUploads, { id: 'expire-query-results', expiration: Duration.days(QUERY_RESULTS_EXPIRATION_DAYS) }],
    });
  }
}
