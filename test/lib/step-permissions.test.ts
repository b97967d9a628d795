// What each step function's role may do in the synthesized Pipeline template: its own log group, exactly its state
// table actions, object actions only under the prefixes of its step, listing only there; the schedules' dead-letter
// queue and its alarm; the Glue job's own log groups.
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../lambdas/core/default-config.js';
import type { StepName } from '../../lambdas/steps/index.js';
import { buildApp, type PipelineApp } from '../../lib/app.js';
import { FAST_APP, glueScriptForTests } from './cdk-fixtures.js';

const STEPS: StepName[] = ['plan', 'ingest', 'refine', 'consolidate', 'goldTables', 'complete', 'fail'];
const SOURCES = ['sor', 'sot', 'clientes', 'cotacoes', 'animais'];

const glueScript = glueScriptForTests();
afterAll(() => glueScript.cleanup());

let built: PipelineApp;
let template: Template;

beforeAll(() => {
  built = buildApp({
    appProps: FAST_APP,
    config: parsePipelineConfig(defaultPipelineConfig),
    pipeline: { glueScriptPath: glueScript.path },
  });
  template = Template.fromStack(built.pipeline);
});

const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
  Stack.of(built.pipeline).getLogicalId(construct.node.defaultChild as never);
const roleOf = (step: StepName) => logicalId(built.pipeline.functions.functions[step].role as never);

interface Statement {
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

function statementsOf(roleLogicalId: string): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p: any) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleLogicalId }]))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}

const actionsOf = (s: Statement) => [s.Action].flat();
const resourcesOf = (s: Statement) => [s.Resource].flat();

/** Which lake bucket or state table a synthesized ARN names (the DataLake stack's exports), else undefined. */
function lakeResource(value: unknown): string | undefined {
  const text = JSON.stringify(value);
  return /ExportsOutputFnGetAtt(?:Buckets|State)(Bronze|Silver|Gold|Journey|Watermark|Congregado|Partitions)/
    .exec(text)?.[1]
    ?.toLowerCase();
}

/** `bronze:source=sor/...` for an object ARN `<bucket arn>/<key pattern>`. */
function objectTarget(resource: unknown): string {
  const join = (resource as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) return JSON.stringify(resource);
  const [head, key] = join[1];
  return `${lakeResource(head) ?? JSON.stringify(head)}:${String(key).replace(/^\//, '')}`;
}

/** Every (action, object) the role's statements allow in the lake buckets, e.g. `s3:PutObject silver:sor/*`. */
function objectGrants(step: StepName): string[] {
  return statementsOf(roleOf(step))
    .filter((s) => actionsOf(s).some((a) => a.startsWith('s3:') && a !== 's3:ListBucket'))
    .flatMap((s) => actionsOf(s).flatMap((a) => resourcesOf(s).map((r) => `${a} ${objectTarget(r)}`)))
    .sort();
}

function listGrants(step: StepName): string[] {
  return statementsOf(roleOf(step))
    .filter((s) => actionsOf(s).includes('s3:ListBucket'))
    .flatMap((s) => {
      expect(actionsOf(s), 'ListBucket in a statement of its own').toEqual(['s3:ListBucket']);
      const prefixes = s.Condition?.StringLike?.['s3:prefix'];
      expect(prefixes, `ListBucket of ${step} without an s3:prefix condition`).toBeDefined();
      return [prefixes].flat().map((p) => `${lakeResource(s.Resource)}:${String(p)}`);
    })
    .sort();
}

const each = (actions: string[], targets: string[]) => actions.flatMap((a) => targets.map((t) => `${a} ${t}`));

describe('the step functions', () => {
  it('have roles of their own with no managed policy (no AWSLambdaBasicExecutionRole)', () => {
    const roles = new Set(STEPS.map(roleOf));
    expect(roles.size).toBe(7);
    for (const id of roles) {
      const role = template.toJSON().Resources[id];
      expect(role.Type).toBe('AWS::IAM::Role');
      expect(role.Properties.ManagedPolicyArns, id).toBeUndefined();
    }
  });

  it('write logs only to their own log group', () => {
    for (const step of STEPS) {
      const fn = template.toJSON().Resources[logicalId(built.pipeline.functions.functions[step])];
      const ownGroup = fn.Properties.LoggingConfig.LogGroup.Ref;
      const logs = statementsOf(roleOf(step)).filter((s) => actionsOf(s).some((a) => a.startsWith('logs:')));
      expect(logs, step).toEqual([
        { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [ownGroup, 'Arn'] } },
      ]);
    }
  });

  it('name "*" only for the X-Ray trace writes, which take no resource', () => {
    for (const step of STEPS) {
      const star = statementsOf(roleOf(step)).filter((s) => resourcesOf(s).some((r) => typeof r === 'string' && r.includes('*')));
      expect(star, step).toEqual([{ Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Effect: 'Allow', Resource: '*' }]);
    }
  });

  it('send exactly the item actions their stores send, to the tables they use', () => {
    const grants = Object.fromEntries(
      STEPS.map((step) => {
        const byTable: Record<string, string[]> = {};
        for (const s of statementsOf(roleOf(step)).filter((st) => actionsOf(st).some((a) => a.startsWith('dynamodb:'))))
          for (const r of resourcesOf(s)) {
            const table = lakeResource(r) ?? JSON.stringify(r);
            byTable[table] = [...(byTable[table] ?? []), ...actionsOf(s)].sort();
          }
        return [step, byTable];
      }),
    );
    expect(grants).toEqual({
      plan: { journey: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], watermark: ['dynamodb:GetItem'] },
      ingest: { journey: ['dynamodb:GetItem', 'dynamodb:UpdateItem'] },
      refine: { journey: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], partitions: ['dynamodb:GetItem', 'dynamodb:PutItem'] },
      consolidate: {
        journey: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        congregado: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        partitions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
      },
      goldTables: { journey: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], partitions: ['dynamodb:GetItem', 'dynamodb:PutItem'] },
      complete: { journey: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], watermark: ['dynamodb:GetItem', 'dynamodb:UpdateItem'] },
      fail: { journey: ['dynamodb:GetItem', 'dynamodb:UpdateItem'] },
    });
  });

  it("plan and fail touch no bucket; complete only puts a result too big for its journey under the gold bucket's _journeys/", () => {
    for (const step of ['plan', 'fail'] as const) {
      expect(
        statementsOf(roleOf(step))
          .flatMap(actionsOf)
          .filter((a) => a.startsWith('s3:')),
        step,
      ).toEqual([]);
    }
    expect(
      statementsOf(roleOf('complete'))
        .flatMap(actionsOf)
        .filter((a) => a.startsWith('s3:')),
    ).toEqual(['s3:PutObject']);
    expect(objectGrants('complete')).toEqual(['s3:PutObject gold:_journeys/*']);
    expect(listGrants('complete')).toEqual([]);
  });

  it("ingest writes each source's bronze partitions and manifests, and moves the file source's drops out of pending/", () => {
    const bronze = SOURCES.flatMap((s) => [`bronze:source=${s}/anomesdia=*/*`, `bronze:source=${s}/_manifests/*`]);
    const drops = ['bronze:done/animais/*', 'bronze:error/animais/*', 'bronze:pending/animais/*'];
    expect(objectGrants('ingest')).toEqual(
      [
        ...each(['s3:GetObject', 's3:PutObject'], [...bronze, 'bronze:done/animais/*']),
        ...each(['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], ['bronze:error/animais/*']),
        ...each(['s3:GetObject', 's3:DeleteObject'], ['bronze:pending/animais/*']),
      ].sort(),
    );
    expect(listGrants('ingest')).toEqual([...bronze, ...drops].sort());
  });

  it('refine reads bronze partitions and writes silver only under the declared sources and their quarantine, never bronze', () => {
    const silver = SOURCES.flatMap((s) => [`silver:${s}/*`, `silver:_quarantine/${s}/anomesdia=*/*`]);
    const bronze = SOURCES.map((s) => `bronze:source=${s}/anomesdia=*/*`);
    // The demo's sor has expectations: refine adds their results to quality_results, and only adds.
    expect(objectGrants('refine')).toEqual(
      [
        ...each(['s3:GetObject'], bronze),
        ...each(['s3:PutObject', 's3:DeleteObject'], silver),
        's3:PutObject silver:_quality_results/*',
      ].sort(),
    );
    expect(listGrants('refine')).toEqual([...bronze, ...silver].sort());
  });

  it("consolidate reads only its origins' silver tables and writes gold under its table, quarantine, congregado and Glue spec prefixes, and quality results", () => {
    const table = 'gold:db_batch/tbl_processado_operacao_consolidada_n1/*';
    const quarantine = 'gold:_quarantine/db_batch/tbl_processado_operacao_consolidada_n1/anomesdia=*/*';
    expect(objectGrants('consolidate')).toEqual(
      [
        ...each(['s3:GetObject'], ['silver:sor/*', 'silver:sot/*']),
        ...each(['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], [table]),
        ...each(['s3:PutObject', 's3:DeleteObject'], [quarantine]),
        ...each(['s3:GetObject', 's3:PutObject'], ['gold:_congregado/*/*', 'gold:_glue-specs/*']),
        // The demo's gold expectations add their results to quality_results, never replacing or deleting one.
        ...each(['s3:PutObject'], ['silver:_quality_results/*']),
      ].sort(),
    );
    expect(listGrants('consolidate')).toEqual(
      ['silver:sor/*', 'silver:sot/*', table, quarantine, 'gold:_congregado/*/*', 'gold:_glue-specs/*'].sort(),
    );
  });

  it('gold tables: Athena only in its workgroup, Glue only on the gold database and its tables, gold read, its own tables written', () => {
    const gold = 'db_batch/tbl_processado_operacao_consolidada_n1';
    const own = ['_current', '_history'].map((t) => `gold:${gold}${t}/*`).concat('gold:db_batch/tbl_operacao_resumo_diario/*');
    expect(objectGrants('goldTables').filter((g) => g.includes(' gold:'))).toEqual(
      [...each(['s3:GetObject'], [`gold:${gold}/*`]), ...each(['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], own)].sort(),
    );
    expect(listGrants('goldTables').filter((g) => g.startsWith('gold:'))).toEqual([`gold:${gold}/*`, ...own].sort());
    // Query results go to the workgroup's results prefix, nowhere else in that bucket.
    const results = objectGrants('goldTables').filter((g) => !g.includes(' gold:') && !g.startsWith('s3:GetBucketLocation'));
    expect(results.map((g) => g.replace(/ .*athena-results/, ' results:athena-results'))).toEqual(
      each(['s3:GetObject', 's3:PutObject'], ['results:athena-results/*']).sort(),
    );
    const statements = statementsOf(roleOf('goldTables'));
    const athena = statements.filter((st) => actionsOf(st).some((a) => a.startsWith('athena:')));
    expect(athena).toHaveLength(1);
    expect(actionsOf(athena[0]!).sort()).toEqual(
      ['athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StartQueryExecution', 'athena:StopQueryExecution'].sort(),
    );
    expect(JSON.stringify(athena[0]!.Resource)).toMatch(/:workgroup\/medallion"/);
    const glue = statements.filter((st) => actionsOf(st).some((a) => a.startsWith('glue:')));
    const glueTargets = glue.flatMap(resourcesOf).map((r) =>
      JSON.stringify(r)
        .replace(/.*:(catalog|database|table)/, '$1')
        .replace(/"\]\]\}$/, ''),
    );
    expect([...new Set(glueTargets)].sort()).toEqual(
      [
        'catalog',
        'database/db_batch',
        `table/${gold}`,
        `table/${gold}_current`,
        `table/${gold}_history`,
        'table/db_batch/tbl_operacao_resumo_diario',
      ].sort(),
    );
    expect(glue.flatMap(actionsOf).filter((a) => /Delete|Batch(Delete|Update)|\*/.test(a))).toEqual([]);
    // No other step may query Athena.
    for (const step of STEPS.filter((st) => st !== 'goldTables'))
      expect(
        statementsOf(roleOf(step))
          .flatMap(actionsOf)
          .filter((a) => a.startsWith('athena:')),
        step,
      ).toEqual([]);
  });

  it('consolidate may add partitions to quality_results (its gold expectations), and recreate the table, nothing more there', () => {
    const quality = statementsOf(roleOf('consolidate')).filter((st) =>
      resourcesOf(st).some((r) => JSON.stringify(r).includes('table/db_silver/quality_results')),
    );
    expect(quality).toHaveLength(1);
    expect(actionsOf(quality[0]!).sort()).toEqual(
      ['glue:BatchCreatePartition', 'glue:CreateTable', 'glue:GetPartition', 'glue:GetTable', 'glue:UpdatePartition'].sort(),
    );
    expect(
      resourcesOf(quality[0]!).map((r) =>
        JSON.stringify(r)
          .replace(/.*:(catalog|database|table)/, '$1')
          .replace(/"\]\]\}$/, ''),
      ),
    ).toEqual(['catalog', 'database/db_silver', 'table/db_silver/quality_results']);
  });

  it('never start a Glue run: only the state machine does (glue:startJobRun.sync)', () => {
    for (const step of STEPS) {
      const glue = statementsOf(roleOf(step)).filter((s) => actionsOf(s).some((a) => a.includes('JobRun')));
      expect(glue, step).toEqual([]);
    }
    const machineRole = logicalId(built.pipeline.pipeline.stateMachine.role as never);
    const runs = statementsOf(machineRole).filter((s) => actionsOf(s).some((a) => a.includes('JobRun')));
    expect(runs.flatMap(actionsOf).sort()).toEqual(['glue:BatchStopJobRun', 'glue:GetJobRun', 'glue:GetJobRuns', 'glue:StartJobRun']);
    for (const s of runs) expect(JSON.stringify(s.Resource)).toContain(':job/MedallionDevPipeline-consolidate');
  });
});

describe('the schedules', () => {
  it('dead-letter undelivered starts into an encrypted, TLS-only queue, after retries', () => {
    // The file-drop trigger's queues are tested in run-in-aws.test.ts.
    const queues = Object.fromEntries(
      Object.entries(template.findResources('AWS::SQS::Queue')).filter(([id]) => id.startsWith('Schedules')),
    );
    expect(Object.keys(queues)).toHaveLength(1);
    const [queueId, queue] = Object.entries(queues)[0]! as [string, any];
    expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    expect(queue.DeletionPolicy).toBe('Retain');
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Action: 'sqs:SendMessage', Principal: { Service: 'events.amazonaws.com' } }),
        ]),
      },
    });
    const rules = (Object.values(template.findResources('AWS::Events::Rule')) as any[]).filter((r) => r.Properties.ScheduleExpression);
    expect(rules).toHaveLength(2);
    for (const rule of rules) {
      expect(rule.Properties.Targets).toEqual([
        expect.objectContaining({
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 3600 },
        }),
      ]);
    }
  });

  it('alarm to the pipeline topic on any message in the dead-letter queue', () => {
    const queueId = Object.keys(template.findResources('AWS::SQS::Queue'))[0]!;
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: logicalId(built.pipeline.topic) }],
    });
  });
});

describe('the consolidate Glue job', () => {
  const groups = () => Object.entries(template.findResources('AWS::Logs::LogGroup')).filter(([id]) => id.startsWith('ConsolidateJob'));

  it('writes its continuous logs to a log group of its own, encrypted, with a retention, kept with the stage', () => {
    template.hasResourceProperties('AWS::Glue::Job', {
      DefaultArguments: Match.objectLike({ '--continuous-log-logGroup': '/aws-glue/jobs/MedallionDevPipeline/consolidate' }),
    });
    const keyId = logicalId(built.pipeline.glueJob!.key);
    const continuous = groups().find(
      ([, g]: [string, any]) =>
        g.Properties.LogGroupName === '/aws-glue/jobs/MedallionDevPipeline/consolidate-MedallionDevPipeline-consolidate',
    );
    expect(continuous).toBeDefined();
    expect(continuous![1]).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: { RetentionInDays: 90, KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } },
    });
    // Glue's output and error groups of a job with a security configuration, likewise retained and encrypted.
    expect(groups()).toHaveLength(3);
    for (const [, g] of groups() as [string, any][])
      expect(g.Properties).toMatchObject({ RetentionInDays: 90, KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
  });

  it("lets its role write logs only to those groups, and the key encrypt only those groups' logs", () => {
    const role = logicalId(built.pipeline.glueJob!.role);
    const logs = statementsOf(role).filter((s) => actionsOf(s).some((a) => a.startsWith('logs:')));
    const ids = groups().map(([id]) => id);
    const text = JSON.stringify(logs);
    for (const id of ids) expect(text).toContain(id);
    expect(text).not.toContain('/aws-glue/*');
    expect(logs.flatMap(resourcesOf).every((r) => typeof r !== 'string')).toBe(true);
    expect(logs.flatMap(actionsOf).sort()).toEqual(
      ['logs:AssociateKmsKey', 'logs:CreateLogGroup', ...ids.flatMap(() => ['logs:CreateLogStream', 'logs:PutLogEvents'])].sort(),
    );
    const key = template.toJSON().Resources[logicalId(built.pipeline.glueJob!.key)];
    const forLogs = key.Properties.KeyPolicy.Statement.find((s: any) => JSON.stringify(s.Principal).includes('logs.'));
    expect(forLogs.Condition.ArnEquals['kms:EncryptionContext:aws:logs:arn']).toHaveLength(3);
  });
});
