import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { parsePipelineConfig, type PipelineConfig } from '../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../lambdas/core/default-config.js';
import { PARQUET_FORMAT } from '../../lib/constructs/data-lake/lake-catalog.js';
import { DataLakeStack } from '../../lib/data-lake-stack.js';
import { FAST_APP } from './cdk-fixtures.js';

const retained = parsePipelineConfig({
  ...defaultPipelineConfig,
  storage: { bronzeTransitionDays: 60, noncurrentVersionExpirationDays: 45 },
});
const disposable = parsePipelineConfig({ ...defaultPipelineConfig, storage: { namePrefix: 'acme_qa', disposable: true } });

function synth(config: PipelineConfig): { stack: DataLakeStack; template: Template; nagError?: string } {
  const app = new App(FAST_APP);
  const stack = new DataLakeStack(app, 'Lake', { config });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  let nagError: string | undefined;
  try {
    app.synth();
  } catch (err) {
    nagError = (err as Error).message;
  }
  return { stack, template: Template.fromStack(stack), nagError };
}

let lake: ReturnType<typeof synth>;
let temp: ReturnType<typeof synth>;
beforeAll(() => {
  lake = synth(retained);
  temp = synth(disposable);
});

const ref = (stack: DataLakeStack, construct: { node: { defaultChild?: unknown } }) => ({
  Ref: stack.getLogicalId(construct.node.defaultChild as never),
});
const buckets = (s: DataLakeStack) => ({
  bronze: s.bronzeBucket,
  silver: s.silverBucket,
  gold: s.goldBucket,
  results: s.queryResultsBucket,
  logs: s.accessLogsBucket,
});

describe('buckets', () => {
  it('block public access, encrypt at rest with SSE-S3 and enforce bucket-owner ownership on all five buckets', () => {
    const found = lake.template.findResources('AWS::S3::Bucket', {
      Properties: {
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      },
    });
    expect(Object.keys(found)).toHaveLength(5);
  });

  it('deny every request that is not over TLS, on each bucket and its objects', () => {
    for (const bucket of Object.values(buckets(lake.stack))) {
      const arn = { 'Fn::GetAtt': [lake.stack.getLogicalId(bucket.node.defaultChild as never), 'Arn'] };
      lake.template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: ref(lake.stack, bucket),
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              Resource: [arn, { 'Fn::Join': ['', [arn, '/*']] }],
            }),
          ]),
        },
      });
    }
  });

  it('version the data buckets and expire their noncurrent versions after the configured days', () => {
    const { bronze, silver, gold } = buckets(lake.stack);
    for (const bucket of [bronze, silver, gold]) {
      const props = lake.template.toJSON().Resources[lake.stack.getLogicalId(bucket.node.defaultChild as never)].Properties;
      expect(props.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(props.LifecycleConfiguration.Rules).toEqual(
        expect.arrayContaining([
          { Id: 'abort-incomplete-uploads', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 }, Status: 'Enabled' },
          { Id: 'expire-noncurrent-versions', NoncurrentVersionExpiration: { NoncurrentDays: 45 }, Status: 'Enabled' },
        ]),
      );
    }
  });

  it('move bronze to Infrequent Access after the configured days, and only bronze, only when configured', () => {
    const rules = (s: DataLakeStack, t: Template) =>
      JSON.stringify(t.toJSON().Resources[s.getLogicalId(s.bronzeBucket.node.defaultChild as never)].Properties.LifecycleConfiguration);
    expect(rules(lake.stack, lake.template)).toContain('"Transitions":[{"StorageClass":"STANDARD_IA","TransitionInDays":60}]');
    expect(JSON.stringify(lake.template.findResources('AWS::S3::Bucket')).match(/STANDARD_IA/g)).toHaveLength(1);
    expect(rules(temp.stack, temp.template)).not.toContain('STANDARD_IA');
  });

  it('expire Athena query results and access logs, which nothing reads back', () => {
    for (const [bucket, days] of [
      [lake.stack.queryResultsBucket, 30],
      [lake.stack.accessLogsBucket, 365],
    ] as const) {
      const props = lake.template.toJSON().Resources[lake.stack.getLogicalId(bucket.node.defaultChild as never)].Properties;
      expect(props.LifecycleConfiguration.Rules).toEqual(expect.arrayContaining([expect.objectContaining({ ExpirationInDays: days })]));
      expect(props.VersioningConfiguration).toBeUndefined();
    }
  });

  it('log server access of the data and results buckets to the access logs bucket, one prefix each', () => {
    const { bronze, silver, gold, results, logs } = buckets(lake.stack);
    for (const [bucket, prefix] of [
      [bronze, 'bronze/'],
      [silver, 'silver/'],
      [gold, 'gold/'],
      [results, 'query-results/'],
    ] as const) {
      lake.template.hasResource('AWS::S3::Bucket', {
        Properties: Match.objectLike({ LoggingConfiguration: { DestinationBucketName: ref(lake.stack, logs), LogFilePrefix: prefix } }),
      });
      expect(bucket).toBeDefined();
    }
  });

  it("let S3 log delivery write the access logs through the bucket policy, from the lake's buckets only", () => {
    lake.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: ref(lake.stack, lake.stack.accessLogsBucket),
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
            Condition: Match.objectLike({ ArnLike: Match.anyValue() }),
          }),
        ]),
      },
    });
  });

  it('are retained by default, and deleted with their objects when the stage is disposable', () => {
    expect(Object.values(lake.template.findResources('AWS::S3::Bucket')).map((b) => b.DeletionPolicy)).toEqual(Array(5).fill('Retain'));
    expect(Object.keys(lake.template.findResources('Custom::S3AutoDeleteObjects'))).toHaveLength(0);
    expect(Object.values(temp.template.findResources('AWS::S3::Bucket')).map((b) => b.DeletionPolicy)).toEqual(Array(5).fill('Delete'));
    expect(Object.keys(temp.template.findResources('Custom::S3AutoDeleteObjects'))).toHaveLength(5);
  });
});

describe('Glue catalog', () => {
  it('creates the silver database and each gold database, prefixed by the stage', () => {
    for (const name of ['db_silver', 'db_batch'])
      lake.template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: Match.objectLike({ Name: name }) });
    for (const name of ['acme_qa_db_silver', 'acme_qa_db_batch'])
      temp.template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: Match.objectLike({ Name: name }) });
    expect(Object.keys(lake.template.findResources('AWS::Glue::Database'))).toHaveLength(2);
  });

  it('declares no Iceberg table: the current-state and history tables are created by Athena DDL at run time', () => {
    const tables = Object.values(lake.template.findResources('AWS::Glue::Table')) as any[];
    const names = tables.map((t) => t.Properties.TableInput.Name as string);
    const demo = retained.consolidations[0]!;
    expect(demo.currentState && demo.history, 'the demo keeps both').toBeTruthy();
    expect(names).toContain(demo.tabela_consolidada);
    expect(names.filter((n) => n.endsWith('_current') || n.endsWith('_history'))).toEqual([]);
    for (const t of tables) {
      expect(t.Properties.OpenTableFormatInput, t.Properties.TableInput.Name).toBeUndefined();
      expect(JSON.stringify(t.Properties.TableInput.Parameters ?? {}).toLowerCase()).not.toContain('iceberg');
    }
  });

  it('declares a Parquet table per source in the silver bucket, partitioned by anomesdia', () => {
    for (const source of retained.sources) {
      lake.template.hasResourceProperties('AWS::Glue::Table', {
        DatabaseName: 'db_silver',
        TableInput: Match.objectLike({
          Name: source.name,
          TableType: 'EXTERNAL_TABLE',
          PartitionKeys: [{ Name: 'anomesdia', Type: 'string' }],
          StorageDescriptor: Match.objectLike({
            Location: { 'Fn::Join': ['', ['s3://', ref(lake.stack, lake.stack.silverBucket), `/${source.name}/`]] },
            InputFormat: PARQUET_FORMAT.inputFormat,
            OutputFormat: PARQUET_FORMAT.outputFormat,
            SerdeInfo: Match.objectLike({ SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' }),
          }),
        }),
      });
    }
  });

  it('types the columns for Glue and adds the lineage columns to silver', () => {
    lake.template.hasResourceProperties('AWS::Glue::Table', {
      TableInput: Match.objectLike({
        Name: 'clientes',
        StorageDescriptor: Match.objectLike({
          Columns: [
            { Name: 'cod_cliente', Type: 'bigint' },
            { Name: 'nom_cliente', Type: 'string' },
            { Name: 'dat_nascimento', Type: 'date' },
            { Name: 'vlr_limite_credito', Type: 'decimal(14,2)' },
            { Name: 'flg_ativo', Type: 'boolean' },
            { Name: 'updated_at', Type: 'timestamp' },
            { Name: '_content_hash', Type: 'string' },
            { Name: '_ingested_at', Type: 'timestamp' },
            { Name: '_run_id', Type: 'string' },
          ],
        }),
      }),
    });
  });

  it('declares the gold table in its database, located under <database>/<table>/ in the gold bucket, with origem', () => {
    lake.template.hasResourceProperties('AWS::Glue::Table', {
      DatabaseName: 'db_batch',
      TableInput: Match.objectLike({
        Name: 'tbl_processado_operacao_consolidada_n1',
        PartitionKeys: [{ Name: 'anomesdia', Type: 'string' }],
        StorageDescriptor: Match.objectLike({
          Location: {
            'Fn::Join': ['', ['s3://', ref(lake.stack, lake.stack.goldBucket), '/db_batch/tbl_processado_operacao_consolidada_n1/']],
          },
          Columns: Match.arrayWith([
            { Name: 'cod_idef_ver_oper', Type: 'int' },
            { Name: 'vlr_oper', Type: 'decimal(18,2)' },
            { Name: 'origem', Type: 'string' },
          ]),
        }),
      }),
    });
    temp.template.hasResourceProperties('AWS::Glue::Table', {
      DatabaseName: 'acme_qa_db_batch',
      TableInput: Match.objectLike({ Name: 'tbl_processado_operacao_consolidada_n1' }),
    });
  });

  it('declares each daily aggregate as a gold table beside its consolidation, typed by its measures', () => {
    lake.template.hasResourceProperties('AWS::Glue::Table', {
      DatabaseName: 'db_batch',
      TableInput: Match.objectLike({
        Name: 'tbl_operacao_resumo_diario',
        PartitionKeys: [{ Name: 'anomesdia', Type: 'string' }],
        StorageDescriptor: Match.objectLike({
          Location: { 'Fn::Join': ['', ['s3://', ref(lake.stack, lake.stack.goldBucket), '/db_batch/tbl_operacao_resumo_diario/']] },
          Columns: [
            { Name: 'des_stat_oper', Type: 'string' },
            { Name: 'cod_moed', Type: 'string' },
            { Name: 'operacoes', Type: 'bigint' },
            { Name: 'operacoes_distintas', Type: 'bigint' },
            { Name: 'valor_total', Type: 'decimal(38,2)' },
            { Name: 'valor_medio', Type: 'double' },
          ],
        }),
      }),
    });
  });

  it('keeps the catalog unless the stage is disposable', () => {
    for (const type of ['AWS::Glue::Database', 'AWS::Glue::Table']) {
      expect(new Set(Object.values(lake.template.findResources(type)).map((r) => r.DeletionPolicy))).toEqual(new Set(['Retain']));
      expect(new Set(Object.values(temp.template.findResources(type)).map((r) => r.DeletionPolicy))).toEqual(new Set(['Delete']));
    }
  });
});

describe('DynamoDB state tables', () => {
  const common = {
    BillingMode: 'PAY_PER_REQUEST',
    PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    SSESpecification: { SSEEnabled: true },
  };

  it('journey_control: key idempotency_key, TTL on expires_at, on demand, PITR, encrypted', () => {
    lake.template.hasResourceProperties('AWS::DynamoDB::Table', {
      ...common,
      TableName: 'journey_control',
      KeySchema: [{ AttributeName: 'idempotency_key', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'idempotency_key', AttributeType: 'S' }],
      TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
    });
  });

  it('congregado_data: key id and a GSI idempotency_key projecting all attributes, as local/dynamo.ts creates', () => {
    lake.template.hasResourceProperties('AWS::DynamoDB::Table', {
      ...common,
      TableName: 'congregado_data',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'idempotency_key',
          KeySchema: [{ AttributeName: 'idempotency_key', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    });
  });

  it('watermark: key source', () => {
    lake.template.hasResourceProperties('AWS::DynamoDB::Table', {
      ...common,
      TableName: 'watermark',
      KeySchema: [{ AttributeName: 'source', KeyType: 'HASH' }],
    });
  });

  it('are named with the stage prefix, retained by default and deleted when disposable', () => {
    for (const name of ['acme_qa_journey_control', 'acme_qa_congregado_data', 'acme_qa_watermark', 'acme_qa_partition_versions'])
      temp.template.hasResourceProperties('AWS::DynamoDB::Table', { TableName: name });
    expect(
      Object.values(lake.template.findResources('AWS::DynamoDB::Table')).map((t) => [t.DeletionPolicy, t.UpdateReplacePolicy]),
    ).toEqual(Array(4).fill(['Retain', 'Retain']));
    expect(Object.values(temp.template.findResources('AWS::DynamoDB::Table')).map((t) => t.DeletionPolicy)).toEqual(
      Array(4).fill('Delete'),
    );
  });

  it('refuse deletion unless the stage is disposable', () => {
    const protection = (t: Template) =>
      Object.values(t.findResources('AWS::DynamoDB::Table')).map((table) => table.Properties.DeletionProtectionEnabled);
    expect(protection(lake.template)).toEqual(Array(4).fill(true));
    expect(protection(temp.template)).toEqual(Array(4).fill(false));
  });
});

describe('Athena', () => {
  it('enforces the workgroup settings: results in the results bucket, SSE-S3, the bytes-scanned cutoff', () => {
    lake.template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'medallion',
      WorkGroupConfiguration: Match.objectLike({
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: retained.limits.athenaBytesScannedCutoff,
        ResultConfiguration: {
          OutputLocation: { 'Fn::Join': ['', ['s3://', ref(lake.stack, lake.stack.queryResultsBucket), '/athena-results/']] },
          EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
        },
      }),
    });
    temp.template.hasResourceProperties('AWS::Athena::WorkGroup', { Name: 'acme_qa_medallion', RecursiveDeleteOption: true });
  });

  it('offers named queries on the gold table, its state tables and its aggregate', () => {
    const queries = Object.values(lake.template.findResources('AWS::Athena::NamedQuery')).map((q) => q.Properties);
    expect(queries.map((q) => q.Name.split(': ')[1])).toEqual([
      'latest-partition-sample',
      'rows-per-partition',
      'duplicate-keys',
      'current-state',
      'current-state-table',
      'key-lookup',
      'key-history',
      'history-as-of',
      'aggregate-tbl_operacao_resumo_diario',
      'quality-results',
    ]);
    const byName = (name: string) => queries.find((q) => q.Name.endsWith(`: ${name}`))!.QueryString as string;
    expect(queries.at(-1)).toMatchObject({ Database: 'db_silver', Name: 'db_silver.quality_results: quality-results' });
    expect(byName('key-lookup')).toBe(
      'SELECT * FROM "db_batch"."tbl_processado_operacao_consolidada_n1_current" WHERE "num_oper" = ? AND "cod_idef_ver_oper" = ?;',
    );
    expect(byName('history-as-of')).toContain(
      '"valid_from" <= CAST(? AS TIMESTAMP) AND ("valid_to" IS NULL OR "valid_to" > CAST(? AS TIMESTAMP))',
    );
    for (const q of queries.filter((n) => !n.Name.endsWith('quality-results')))
      expect(q).toMatchObject({ Database: 'db_batch', WorkGroup: { Ref: lake.stack.getLogicalId(lake.stack.athena.workgroup) } });
    const sql = queries.map((q) => q.QueryString).join('\n');
    expect(sql).toContain('WHERE "anomesdia" = (SELECT max("anomesdia") FROM "db_batch"."tbl_processado_operacao_consolidada_n1")');
    expect(sql).toContain('GROUP BY "anomesdia" ORDER BY "anomesdia" DESC');
    expect(sql).toContain('GROUP BY "anomesdia", "num_oper", "cod_idef_ver_oper" HAVING count(*) > 1');
    const current = queries.find((q) => q.Name.endsWith('current-state'))!.QueryString as string;
    expect(current).toContain(`FROM (SELECT * FROM "db_batch"."tbl_processado_operacao_consolidada_n1" WHERE "origem" = 'sor') "gold_0"`);
    expect(current).toContain(
      'row_number() OVER (PARTITION BY "num_oper", "cod_idef_ver_oper" ORDER BY "dat_vlr_even_oper" DESC NULLS LAST',
    );
    const disposableSql = Object.values(temp.template.findResources('AWS::Athena::NamedQuery'))
      .map((q) => q.Properties.QueryString)
      .join('\n');
    expect(disposableSql).toContain('"acme_qa_db_batch"."tbl_processado_operacao_consolidada_n1"');
  });
});

describe('outputs', () => {
  it('name the buckets, the workgroup and the silver database for operators', () => {
    const outputs = lake.template.toJSON().Outputs;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining([
        'BronzeBucketName',
        'SilverBucketName',
        'GoldBucketName',
        'QueryResultsBucketName',
        'AthenaWorkgroupName',
        'SilverDatabaseName',
      ]),
    );
    expect(temp.template.toJSON().Outputs.AthenaWorkgroupName.Value).toBe('acme_qa_medallion');
  });
});

describe('cdk-nag', () => {
  it('finds nothing unacknowledged in a retained or a disposable data lake', () => {
    expect(lake.nagError).toBeUndefined();
    expect(temp.nagError).toBeUndefined();
  });
});
