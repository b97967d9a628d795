// The Glue Data Catalog of the lake: the silver database, each gold database, and a Parquet table per lakeTables(config).
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { physicalName, type PipelineConfig } from '../../../lambdas/core/config.js';
import { lakeTables, type LakeTable } from '../../../lambdas/core/lake/layout.js';
import { glueType } from '../../../lambdas/core/columnar/schema.js';

export interface LakeCatalogProps {
  readonly config: PipelineConfig;
  readonly silverBucket: s3.IBucket;
  readonly goldBucket: s3.IBucket;
}

/** Hive's Parquet classes, which Athena, Glue Spark and EMR all read. */
export const PARQUET_FORMAT = {
  inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  serde: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
} as const;

export class LakeCatalog extends Construct {
  /** Physical database names: the silver one first, then each gold database. */
  readonly silverDatabaseName: string;
  readonly goldDatabaseNames: string[];
  readonly tables: { table: LakeTable; resource: glue.CfnTable }[];

  constructor(scope: Construct, id: string, props: LakeCatalogProps) {
    super(scope, id);
    const { config } = props;
    const account = Stack.of(this).account;
    // Partitions registered at run time live only in the catalog: it is kept with the data it describes.
    const removal = config.storage.disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    this.silverDatabaseName = physicalName(config, config.storage.silverDatabase);
    const declared = lakeTables(config);
    this.goldDatabaseNames = [...new Set(declared.filter((t) => t.layer === 'gold').map((t) => t.database))];

    const databases = new Map<string, glue.CfnDatabase>();
    for (const name of [this.silverDatabaseName, ...this.goldDatabaseNames]) {
      const database = new glue.CfnDatabase(this, `Database-${name}`, {
        catalogId: account,
        databaseInput: {
          name,
          description: name === this.silverDatabaseName ? 'Silver: typed, validated source data' : 'Gold: consolidated tables',
        },
      });
      database.applyRemovalPolicy(removal);
      databases.set(name, database);
    }

    this.tables = declared.map((table) => {
      const bucket = table.layer === 'silver' ? props.silverBucket : props.goldBucket;
      const resource = new glue.CfnTable(this, `Table-${table.database}-${table.name}`, {
        catalogId: account,
        databaseName: table.database,
        tableInput: {
          name: table.name,
          tableType: 'EXTERNAL_TABLE',
          parameters: { classification: 'parquet', EXTERNAL: 'TRUE', 'parquet.compression': 'SNAPPY' },
          partitionKeys: table.partitionKeys.map((name) => ({ name, type: 'string' })),
          storageDescriptor: {
            location: `s3://${bucket.bucketName}/${table.prefix}`,
            inputFormat: PARQUET_FORMAT.inputFormat,
            outputFormat: PARQUET_FORMAT.outputFormat,
            serdeInfo: { serializationLibrary: PARQUET_FORMAT.serde, parameters: { 'serialization.format': '1' } },
            columns: table.columns.map((c) => ({ name: c.name, type: glueType(c) })),
          },
        },
      });
      resource.node.addDependency(databases.get(table.database)!);
      resource.applyRemovalPolicy(removal);
      return { table, resource };
    });
  }
}
