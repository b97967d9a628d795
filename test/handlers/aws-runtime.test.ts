// The Lambda runtime as deployed, minus AWS itself: the steps run through awsRuntime with its S3 and
// DynamoDB clients pointed at s3rver and dynalite, and Glue and Secrets Manager mocked (no emulator).
import {
  BatchCreatePartitionCommand,
  EntityNotFoundException,
  GetPartitionCommand,
  GetTableCommand,
  GlueClient,
  UpdatePartitionCommand,
  type StorageDescriptor,
} from '@aws-sdk/client-glue';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPipelineConfig } from '../../lambdas/core/default-config.js';
import { glueType } from '../../lambdas/core/columnar/schema.js';
import { lakeTables } from '../../lambdas/core/lake/layout.js';
import { readParquet } from '../support/parquet.js';
import { ENV, MissingEnvironmentError } from '../../lambdas/handlers/env.js';
import { awsRuntime } from '../../lambdas/handlers/aws-runtime.js';
import { lambdaHandler } from '../../lambdas/handlers/lambda-handler.js';
import { PERMANENT_ERROR } from '../../lambdas/core/errors.js';
import { completeStep } from '../../lambdas/steps/complete.js';
import { consolidateFunctionStep, type GoldPartitions } from '../../lambdas/steps/consolidate.js';
import { ingestStep } from '../../lambdas/steps/ingest.js';
import { planStep } from '../../lambdas/steps/plan.js';
import { refineStep } from '../../lambdas/steps/refine.js';
import type { PartitionSummary, SourceStepSummary } from '../../lambdas/steps/types.js';
import type { PipelineRuntime } from '../../lambdas/steps/runtime.js';
import { demoDataset } from '../../local/demo-data.js';
import { startDemoApi, type DemoApi } from '../../local/demo-api.js';
import { localConfig } from '../../local/local-run.js';
import { startTestDynamo, type TestDynamo } from '../support/dynalite.js';
import { startTestS3, type TestS3 } from '../support/s3rver.js';

const NOW = '2024-03-15T02:00:00Z';
const TABLE = 'db_batch.tbl_processado_operacao_consolidada_n1';
const dataset = demoDataset({ day: '2024-03-14', timezone: 'UTC', operations: 40 });

let s3: TestS3;
let dynamo: TestDynamo;
let api: DemoApi;
let runtime: PipelineRuntime;
const partitions = new Map<string, StorageDescriptor>();

/** A Glue Data Catalog holding the tables the DataLakeStack declares, and the partitions the steps register. */
function fakeGlue(config: PipelineRuntime['config']): GlueClient {
  const glue = new GlueClient({ region: 'us-east-1' });
  const mock = mockClient(glue);
  const tables = new Map(lakeTables(config).map((t) => [`${t.database}.${t.name}`, t]));
  const notFound = (what: string) => new EntityNotFoundException({ message: `${what} not found`, $metadata: {} });
  mock.on(GetTableCommand).callsFake(({ DatabaseName, Name }) => {
    const t = tables.get(`${DatabaseName}.${Name}`);
    if (!t) throw notFound(`Table ${DatabaseName}.${Name}`);
    const location = `s3://${t.layer}/${t.prefix}`;
    const columns = t.columns.map((c) => ({ Name: c.name, Type: glueType(c) }));
    return {
      Table: {
        DatabaseName,
        Name,
        PartitionKeys: [{ Name: 'anomesdia', Type: 'string' }],
        StorageDescriptor: { Location: location, Columns: columns },
      },
    };
  });
  mock.on(GetPartitionCommand).callsFake(({ DatabaseName, TableName, PartitionValues }) => {
    const sd = partitions.get(`${DatabaseName}.${TableName}/${PartitionValues.join('/')}`);
    if (!sd) throw notFound('Partition');
    return { Partition: { Values: PartitionValues, StorageDescriptor: sd } };
  });
  mock.on(BatchCreatePartitionCommand).callsFake(({ DatabaseName, TableName, PartitionInputList }) => {
    const [p] = PartitionInputList;
    const key = `${DatabaseName}.${TableName}/${p.Values.join('/')}`;
    if (partitions.has(key))
      return { Errors: [{ PartitionValues: p.Values, ErrorDetail: { ErrorCode: 'AlreadyExistsException', ErrorMessage: 'exists' } }] };
    partitions.set(key, p.StorageDescriptor);
    return {};
  });
  mock.on(UpdatePartitionCommand).callsFake(({ DatabaseName, TableName, PartitionValueList, PartitionInput }) => {
    partitions.set(`${DatabaseName}.${TableName}/${PartitionValueList.join('/')}`, PartitionInput.StorageDescriptor);
    return {};
  });
  return glue;
}

beforeAll(async () => {
  [s3, dynamo] = await Promise.all([startTestS3(['bronze', 'silver', 'gold']), startTestDynamo()]);
  const base = localConfig(defaultPipelineConfig, 'http://placeholder');
  api = await startDemoApi(base, dataset, { faults: false });
  const config = localConfig(defaultPipelineConfig, api.baseUrl);
  const secrets = new SecretsManagerClient({ region: 'us-east-1' });
  mockClient(secrets).on(GetSecretValueCommand, { SecretId: 'medallion/demo-api-token' }).resolves({ SecretString: api.token });
  const env = {
    [ENV.bronzeBucket]: 'bronze',
    [ENV.silverBucket]: 'silver',
    [ENV.goldBucket]: 'gold',
    [ENV.journeyTable]: dynamo.tables.journey,
    [ENV.congregadoTable]: dynamo.tables.congregado,
    [ENV.watermarkTable]: dynamo.tables.watermark,
    [ENV.partitionsTable]: dynamo.tables.partitions,
  };
  runtime = awsRuntime(env, { config, clients: { s3: s3.client, dynamodb: dynamo.client, glue: fakeGlue(config), secrets } });
});

afterAll(async () => {
  await api?.stop();
  await s3?.stop();
  await dynamo?.stop();
});

/** Runs the steps in the order the state machine does, passing each step the payload it would get. */
async function runDaily() {
  const plan = await planStep({ input: { mode: 'daily', now: NOW, sources: ['sor', 'sot'] }, execution: 'exec-1' }, runtime);
  if (plan.status === 'completed') return { plan };
  const sources: { source: string; ingest: { value: SourceStepSummary }; refine: { value: SourceStepSummary } }[] = [];
  for (const s of plan.sources) {
    const ingest = await ingestStep({ runId: plan.runId, execution: 'exec-1', source: s.name, window: s.window }, runtime);
    const refine = await refineStep({ runId: plan.runId, execution: 'exec-1', source: s.name, window: s.window, ingest }, runtime);
    sources.push({ source: s.name, ingest: { value: ingest }, refine: { value: refine } });
  }
  // The Consolidate function as the state machine calls it: the partitions first, then each partition.
  const { anomesdias } = (await consolidateFunctionStep(
    { step: 'gold-partitions', runId: plan.runId, consolidation: TABLE, window: plan.window, sources },
    runtime,
  )) as GoldPartitions;
  const partitions: PartitionSummary[] = [];
  for (const anomesdia of anomesdias)
    partitions.push(
      (await consolidateFunctionStep(
        { runId: plan.runId, execution: 'exec-1', consolidation: TABLE, anomesdia },
        runtime,
      )) as PartitionSummary,
    );
  const counted = await consolidateFunctionStep({ step: 'consolidation-result', consolidation: TABLE, partitions }, runtime);
  const result = await completeStep({ runId: plan.runId, execution: 'exec-1', sources, consolidations: [counted] }, runtime);
  return { plan, result, partitions, consolidation: result.consolidations[0] };
}

describe('the Lambda runtime on S3 and DynamoDB emulators', () => {
  it('runs plan, ingest, refine, consolidate and complete into gold, registered in the catalog', async () => {
    const { plan, consolidation, partitions: consolidated, result } = await runDaily();
    expect(plan.status).toBe('started');

    const invalid = new Set([...(dataset.invalid.sor ?? []), ...(dataset.invalid.sot ?? [])].map((i) => i.record));
    const keys = new Set(
      [...dataset.http.sor, ...dataset.http.sot].filter((r) => !invalid.has(r)).map((r) => `${r.num_oper}|${r.cod_idef_ver_oper}`),
    );
    expect(consolidation!.rows_written).toBe(keys.size);

    // Every gold partition the catalog points at is Parquet in the gold bucket, one row per key.
    let goldRows = 0;
    expect(consolidation!.partitions).toBe(consolidated!.length);
    for (const p of consolidated!) {
      const sd = partitions.get(`${TABLE}/${p.anomesdia}`);
      expect(sd?.Location).toMatch(new RegExp(`^s3://gold/db_batch/tbl_processado_operacao_consolidada_n1/anomesdia=${p.anomesdia}/run=`));
      const prefix = sd!.Location!.replace('s3://gold/', '');
      const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: 'gold', Prefix: prefix }));
      for (const o of (listed.Contents ?? []).filter((c) => c.Key!.endsWith('.parquet'))) {
        const body = await s3.client.send(new GetObjectCommand({ Bucket: 'gold', Key: o.Key! }));
        goldRows += (await readParquet(await body.Body!.transformToByteArray())).rowCount;
      }
    }
    expect(goldRows).toBe(keys.size);

    // Watermarks moved to the window's end only at Complete.
    expect(result!.sources.map((s) => s.watermark)).toEqual(['2024-03-15T00:00:00.000Z', '2024-03-15T00:00:00.000Z']);
    expect((await runtime.watermarks.get('sor'))?.watermark).toBe('2024-03-15T00:00:00.000Z');
  });

  it('short-circuits the same run once its journey completed', async () => {
    const { plan } = await runDaily();
    expect(plan.status).toBe('completed');
  });

  it('reports a missing bucket variable as the step error, naming the variable, never retried', async () => {
    expect(() => awsRuntime({}, { config: runtime.config })).toThrow(MissingEnvironmentError);
    const handler = lambdaHandler('plan', async (event) => planStep(event, awsRuntime({}, { config: runtime.config })));
    const error = (await handler({ input: { mode: 'daily', now: NOW } }).catch((e: unknown) => e)) as Error;
    expect(error.name).toBe(PERMANENT_ERROR);
    expect(error.message).toMatch(/^MissingEnvironmentError: Environment variable (JOURNEY_TABLE|BRONZE_BUCKET) is not set/);
  });
});
