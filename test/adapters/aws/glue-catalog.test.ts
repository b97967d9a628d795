import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  BatchCreatePartitionCommand,
  CreateTableCommand,
  EntityNotFoundException,
  GetPartitionCommand,
  GetTableCommand,
  GlueClient,
  UpdatePartitionCommand,
} from '@aws-sdk/client-glue';
import { GlueCatalog } from '../../../lambdas/adapters/aws/glue-catalog.js';
import { CatalogTableNotFoundError } from '../../../lambdas/ports/errors.js';

const glue = mockClient(GlueClient);
const notFound = (message: string) => new EntityNotFoundException({ message, $metadata: {} });
const table = {
  Name: 'tbl_x',
  DatabaseName: 'db_batch',
  PartitionKeys: [{ Name: 'anomesdia', Type: 'string' }],
  StorageDescriptor: {
    Location: 's3://gold/db_batch/tbl_x/',
    Columns: [
      { Name: 'num_oper', Type: 'string' },
      { Name: 'cod_idef_ver_oper', Type: 'int' },
      { Name: 'vlr_oper', Type: 'decimal(18,2)' },
      { Name: 'dat_vlr_even_oper', Type: 'timestamp' },
    ],
    SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
  },
};

describe('GlueCatalog', () => {
  let catalog: GlueCatalog;
  beforeEach(() => {
    glue.reset();
    catalog = new GlueCatalog(new GlueClient({ region: 'sa-east-1' }), { catalogId: '123456789012' });
  });

  it('reads a table with its location, typed columns and partition keys', async () => {
    glue.on(GetTableCommand, { DatabaseName: 'db_batch', Name: 'tbl_x', CatalogId: '123456789012' }).resolves({ Table: table });
    expect(await catalog.getTable('db_batch', 'tbl_x')).toEqual({
      database: 'db_batch',
      name: 'tbl_x',
      location: 's3://gold/db_batch/tbl_x/',
      columns: [
        { name: 'num_oper', type: 'string' },
        { name: 'cod_idef_ver_oper', type: 'integer' },
        { name: 'vlr_oper', type: 'decimal', precision: 18, scale: 2 },
        { name: 'dat_vlr_even_oper', type: 'timestamp' },
      ],
      partitionKeys: ['anomesdia'],
    });
  });

  it('maps EntityNotFoundException to CatalogTableNotFoundError', async () => {
    glue.on(GetTableCommand).rejects(notFound('Table tbl_x not found.'));
    await expect(catalog.getTable('db_batch', 'tbl_x')).rejects.toThrow(CatalogTableNotFoundError);
    await expect(catalog.upsertPartition('db_batch', 'tbl_x', { anomesdia: '20240119' }, 's3://x/')).rejects.toThrow(
      'Table db_batch.tbl_x is not in the catalog',
    );
  });

  it('returns a partition location, or undefined for a partition that is not registered', async () => {
    glue.on(GetTableCommand).resolves({ Table: table });
    glue
      .on(GetPartitionCommand, { PartitionValues: ['20240119'] })
      .resolves({ Partition: { Values: ['20240119'], StorageDescriptor: { Location: 's3://gold/p/run=1/' } } });
    glue.on(GetPartitionCommand, { PartitionValues: ['20240120'] }).rejects(notFound('Partition not found.'));
    expect(await catalog.getPartitionLocation('db_batch', 'tbl_x', { anomesdia: '20240119' })).toBe('s3://gold/p/run=1/');
    expect(await catalog.getPartitionLocation('db_batch', 'tbl_x', { anomesdia: '20240120' })).toBeUndefined();
  });

  it('creates a new partition with the table storage descriptor at the new location', async () => {
    glue.on(GetTableCommand).resolves({ Table: table });
    glue.on(BatchCreatePartitionCommand).resolves({ Errors: [] });
    await catalog.upsertPartition('db_batch', 'tbl_x', { anomesdia: '20240119' }, 's3://gold/db_batch/tbl_x/anomesdia=20240119/run=r2/');
    const input = glue.commandCalls(BatchCreatePartitionCommand)[0]!.args[0].input;
    expect(input.PartitionInputList).toEqual([
      {
        Values: ['20240119'],
        StorageDescriptor: { ...table.StorageDescriptor, Location: 's3://gold/db_batch/tbl_x/anomesdia=20240119/run=r2/' },
      },
    ]);
    expect(glue.commandCalls(UpdatePartitionCommand)).toHaveLength(0);
  });

  it('updates the location of a partition that already exists', async () => {
    glue.on(GetTableCommand).resolves({ Table: table });
    glue.on(BatchCreatePartitionCommand).resolves({
      Errors: [{ PartitionValues: ['20240119'], ErrorDetail: { ErrorCode: 'AlreadyExistsException', ErrorMessage: 'exists' } }],
    });
    glue.on(UpdatePartitionCommand).resolves({});
    await catalog.upsertPartition('db_batch', 'tbl_x', { anomesdia: '20240119' }, 's3://gold/new/');
    const input = glue.commandCalls(UpdatePartitionCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      DatabaseName: 'db_batch',
      TableName: 'tbl_x',
      PartitionValueList: ['20240119'],
      PartitionInput: { Values: ['20240119'], StorageDescriptor: { Location: 's3://gold/new/' } },
    });
  });

  it('reports any other partition error with its code, and a missing partition value', async () => {
    glue.on(GetTableCommand).resolves({ Table: table });
    glue
      .on(BatchCreatePartitionCommand)
      .resolves({ Errors: [{ ErrorDetail: { ErrorCode: 'ResourceNumberLimitExceededException', ErrorMessage: 'too many' } }] });
    await expect(catalog.upsertPartition('db_batch', 'tbl_x', { anomesdia: '1' }, 's3://x/')).rejects.toThrow(
      'ResourceNumberLimitExceededException: too many',
    );
    await expect(catalog.upsertPartition('db_batch', 'tbl_x', {}, 's3://x/')).rejects.toThrow('needs a value for "anomesdia"');
  });

  it('creates a missing table as external Parquet, and leaves an existing one alone', async () => {
    glue.on(GetTableCommand).rejectsOnce(notFound('no table')).resolves({ Table: table });
    glue.on(CreateTableCommand).resolves({});
    const t = {
      database: 'db_batch',
      name: 'tbl_x',
      location: 's3://gold/db_batch/tbl_x/',
      columns: [{ name: 'vlr_oper', type: 'decimal' as const, precision: 18, scale: 2 }],
      partitionKeys: ['anomesdia'],
    };
    await catalog.ensureTable(t);
    await catalog.ensureTable(t);
    expect(glue.commandCalls(CreateTableCommand)).toHaveLength(1);
    expect(glue.commandCalls(CreateTableCommand)[0]!.args[0].input.TableInput).toMatchObject({
      Name: 'tbl_x',
      PartitionKeys: [{ Name: 'anomesdia', Type: 'string' }],
      StorageDescriptor: { Location: 's3://gold/db_batch/tbl_x/', Columns: [{ Name: 'vlr_oper', Type: 'decimal(18,2)' }] },
    });
  });
});
