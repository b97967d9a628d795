// The Catalog port: table locations and partitions (the Glue Data Catalog in AWS, a JSON file locally).
import type { FieldType } from '../core/config.js';

export interface CatalogColumn {
  name: string;
  type: FieldType;
  precision?: number;
  scale?: number;
}

export interface CatalogTable {
  database: string;
  name: string;
  /** Base location, e.g. s3://gold-bucket/db_batch/tbl_x/ */
  location: string;
  columns: CatalogColumn[];
  partitionKeys: string[];
}

export interface Catalog {
  /** Throws CatalogTableNotFoundError when the table does not exist. */
  getTable(database: string, table: string): Promise<CatalogTable>;
  /** Creates the table when absent (local runs; in AWS the CDK declares tables). */
  ensureTable(table: CatalogTable): Promise<void>;
  /** Location of one partition, or undefined when it is not registered. */
  getPartitionLocation(database: string, table: string, values: Record<string, string>): Promise<string | undefined>;
  /** Registers the partition or points an existing one at a new location. */
  upsertPartition(database: string, table: string, values: Record<string, string>, location: string): Promise<void>;
}
