// The Catalog port over the Glue Data Catalog: tables and `anomesdia` partitions of the lake.
import {
  BatchCreatePartitionCommand,
  CreateTableCommand,
  EntityNotFoundException,
  GetPartitionCommand,
  GetTableCommand,
  UpdatePartitionCommand,
  type Column,
  type GlueClient,
  type StorageDescriptor,
  type Table,
} from '@aws-sdk/client-glue';
import type { FieldType } from '../../core/config.js';
import { glueType } from '../../core/columnar/schema.js';
import type { Catalog, CatalogColumn, CatalogTable } from '../../ports/catalog.js';
import { CatalogTableNotFoundError } from '../../ports/errors.js';
import { GlueCatalogError } from './errors.js';

export interface GlueCatalogOptions {
  /** The account id of the catalog; the caller's account when omitted. */
  catalogId?: string;
}

export class GlueCatalog implements Catalog {
  private readonly catalogId?: string;

  constructor(
    private readonly client: GlueClient,
    options: GlueCatalogOptions = {},
  ) {
    this.catalogId = options.catalogId;
  }

  async getTable(database: string, table: string): Promise<CatalogTable> {
    const glueTable = await this.glueTable(database, table);
    return {
      database,
      name: table,
      location: glueTable.StorageDescriptor?.Location ?? '',
      columns: (glueTable.StorageDescriptor?.Columns ?? []).map(catalogColumn),
      partitionKeys: (glueTable.PartitionKeys ?? []).map((k) => k.Name!),
    };
  }

  async ensureTable(table: CatalogTable): Promise<void> {
    try {
      await this.glueTable(table.database, table.name);
      return;
    } catch (err) {
      if (!(err instanceof CatalogTableNotFoundError)) throw err;
    }
    await this.client.send(
      new CreateTableCommand({
        CatalogId: this.catalogId,
        DatabaseName: table.database,
        TableInput: {
          Name: table.name,
          TableType: 'EXTERNAL_TABLE',
          Parameters: { classification: 'parquet', EXTERNAL: 'TRUE', 'parquet.compression': 'SNAPPY' },
          PartitionKeys: table.partitionKeys.map((k) => ({ Name: k, Type: 'string' })),
          StorageDescriptor: {
            Location: table.location,
            Columns: table.columns.filter((c) => !table.partitionKeys.includes(c.name)).map((c) => ({ Name: c.name, Type: glueType(c) })),
            InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
            OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
            SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
          },
        },
      }),
    );
  }

  async getPartitionLocation(database: string, table: string, values: Record<string, string>): Promise<string | undefined> {
    const glueTable = await this.glueTable(database, table);
    try {
      const out = await this.client.send(
        new GetPartitionCommand({
          CatalogId: this.catalogId,
          DatabaseName: database,
          TableName: table,
          PartitionValues: partitionValues(glueTable, values),
        }),
      );
      return out.Partition?.StorageDescriptor?.Location;
    } catch (err) {
      if (err instanceof EntityNotFoundException) return undefined;
      throw err;
    }
  }

  /** Creates the partition with the table's storage descriptor at the new location, or points the existing one there. */
  async upsertPartition(database: string, table: string, values: Record<string, string>, location: string): Promise<void> {
    const glueTable = await this.glueTable(database, table);
    const Values = partitionValues(glueTable, values);
    const StorageDescriptor: StorageDescriptor = { ...glueTable.StorageDescriptor, Location: location };
    const created = await this.client.send(
      new BatchCreatePartitionCommand({
        CatalogId: this.catalogId,
        DatabaseName: database,
        TableName: table,
        PartitionInputList: [{ Values, StorageDescriptor }],
      }),
    );
    const error = created.Errors?.[0]?.ErrorDetail;
    if (!error) return;
    if (error.ErrorCode !== 'AlreadyExistsException') {
      throw new GlueCatalogError(
        `Glue refused partition ${Values.join('/')} of ${database}.${table}: ${error.ErrorCode}: ${error.ErrorMessage}`,
      );
    }
    await this.client.send(
      new UpdatePartitionCommand({
        CatalogId: this.catalogId,
        DatabaseName: database,
        TableName: table,
        PartitionValueList: Values,
        PartitionInput: { Values, StorageDescriptor },
      }),
    );
  }

  private async glueTable(database: string, table: string): Promise<Table> {
    try {
      const out = await this.client.send(new GetTableCommand({ CatalogId: this.catalogId, DatabaseName: database, Name: table }));
      if (!out.Table) throw new CatalogTableNotFoundError(database, table);
      return out.Table;
    } catch (err) {
      if (err instanceof EntityNotFoundException) throw new CatalogTableNotFoundError(database, table);
      throw err;
    }
  }
}

function partitionValues(table: Table, values: Record<string, string>): string[] {
  return (table.PartitionKeys ?? []).map((k) => {
    const v = values[k.Name!];
    if (v === undefined)
      throw new GlueCatalogError(
        `Partition of ${table.DatabaseName}.${table.Name} needs a value for "${k.Name}" (got ${JSON.stringify(values)})`,
      );
    return v;
  });
}

const GLUE_TYPES: Record<string, FieldType> = {
  string: 'string',
  varchar: 'string',
  char: 'string',
  int: 'integer',
  integer: 'integer',
  smallint: 'integer',
  tinyint: 'integer',
  bigint: 'long',
  double: 'double',
  float: 'double',
  boolean: 'boolean',
  date: 'date',
  timestamp: 'timestamp',
};

function catalogColumn(column: Column): CatalogColumn {
  const type = (column.Type ?? 'string').toLowerCase();
  const decimal = /^decimal\((\d+),\s*(\d+)\)$/.exec(type);
  if (decimal) return { name: column.Name!, type: 'decimal', precision: Number(decimal[1]), scale: Number(decimal[2]) };
  const mapped = GLUE_TYPES[type.replace(/\(.*\)$/, '')];
  if (!mapped) throw new GlueCatalogError(`Glue column "${column.Name}" has type ${column.Type}, which the pipeline does not map`);
  return { name: column.Name!, type: mapped };
}
