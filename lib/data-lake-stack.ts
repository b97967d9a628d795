// The stateful stack: the lake's buckets, Glue catalog, DynamoDB state tables and Athena workgroup.
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { declaresExpectations, physicalName, type PipelineConfig } from '../lambdas/core/config.js';
import { goldColumns } from '../lambdas/core/lake/tables.js';
import { LakeWorkgroup } from './constructs/data-lake/athena-workgroup.js';
import { LakeCatalog } from './constructs/data-lake/lake-catalog.js';
import { MedallionBuckets } from './constructs/data-lake/medallion-buckets.js';
import { StateTables } from './constructs/data-lake/state-tables.js';
import type { PipelineDataLake } from './constructs/pipeline-functions.js';
import { acknowledgeDataLakeFindings } from './data-lake-nag.js';

export interface DataLakeStackProps extends StackProps {
  readonly config: PipelineConfig;
}

/**
 * Holds everything that keeps data, apart from the stateless PipelineStack so that the pipeline can be
 * replaced or destroyed freely. Everything is RETAINed unless `config.storage.disposable`.
 */
export class DataLakeStack extends Stack {
  readonly bronzeBucket: s3.Bucket;
  readonly silverBucket: s3.Bucket;
  readonly goldBucket: s3.Bucket;
  readonly queryResultsBucket: s3.Bucket;
  readonly accessLogsBucket: s3.Bucket;
  readonly journeyTable: dynamodb.Table;
  readonly congregadoTable: dynamodb.Table;
  readonly watermarkTable: dynamodb.Table;
  readonly partitionsTable: dynamodb.Table;
  readonly catalog: LakeCatalog;
  readonly athena: LakeWorkgroup;

  constructor(scope: Construct, id: string, props: DataLakeStackProps) {
    super(scope, id, props);
    // Access logs are delivered under a bucket policy, not the legacy ACL (which BucketOwnerEnforced forbids),
    // whether or not the app's cdk.json sets this flag.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const { config } = props;

    const buckets = new MedallionBuckets(this, 'Buckets', { storage: config.storage });
    this.bronzeBucket = buckets.bronze;
    this.silverBucket = buckets.silver;
    this.goldBucket = buckets.gold;
    this.queryResultsBucket = buckets.queryResults;
    this.accessLogsBucket = buckets.accessLogs;

    const tables = new StateTables(this, 'State', { config });
    this.journeyTable = tables.journey;
    this.congregadoTable = tables.congregado;
    this.watermarkTable = tables.watermark;
    this.partitionsTable = tables.partitions;

    this.catalog = new LakeCatalog(this, 'Catalog', { config, silverBucket: this.silverBucket, goldBucket: this.goldBucket });
    this.athena = new LakeWorkgroup(this, 'Athena', {
      name: physicalName(config, config.storage.athenaWorkgroup),
      resultsBucket: this.queryResultsBucket,
      bytesScannedCutoffPerQuery: config.limits.athenaBytesScannedCutoff,
      goldTables: config.consolidations
        .filter((c) => !c.output_path)
        .map((c) => ({ database: physicalName(config, c.database), consolidation: c, columns: goldColumns(config, c) })),
      ...(declaresExpectations(config) ? { qualityDatabase: physicalName(config, config.storage.silverDatabase) } : {}),
      disposable: config.storage.disposable,
    });
    acknowledgeDataLakeFindings(this, buckets.accessLogs);

    // Names an operator needs to find the data and query it (docs/deploy.md).
    const outputs: Record<string, [string, string]> = {
      BronzeBucketName: [this.bronzeBucket.bucketName, 'Raw NDJSON.gz pages and run manifests'],
      SilverBucketName: [this.silverBucket.bucketName, 'Typed Parquet per source, by anomesdia'],
      GoldBucketName: [this.goldBucket.bucketName, 'Consolidated Parquet tables, by anomesdia'],
      QueryResultsBucketName: [this.queryResultsBucket.bucketName, 'Athena query results (expire after 30 days)'],
      AthenaWorkgroupName: [this.athena.name, 'Athena workgroup for querying the lake'],
      SilverDatabaseName: [this.catalog.silverDatabaseName, 'Glue database of the silver tables'],
    };
    for (const [id, [value, description]] of Object.entries(outputs)) new CfnOutput(this, id, { value, description });
  }

  /** The resources the PipelineStack's functions and Glue job work on. */
  get pipelineDataLake(): PipelineDataLake {
    return {
      bronzeBucket: this.bronzeBucket,
      silverBucket: this.silverBucket,
      goldBucket: this.goldBucket,
      journeyTable: this.journeyTable,
      congregadoTable: this.congregadoTable,
      watermarkTable: this.watermarkTable,
      partitionsTable: this.partitionsTable,
      silverDatabase: this.catalog.silverDatabaseName,
      athenaWorkgroup: this.athena.name,
      queryResultsBucket: this.queryResultsBucket,
    };
  }
}
