import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parsePipelineConfig } from '../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../lambdas/core/default-config.js';
import { STATE_NAMES } from '../../lib/constructs/pipeline-state-machine.js';
import { PipelineStack } from '../../lib/pipeline-stack.js';
import type { PipelineDataLake } from '../../lib/constructs/pipeline-functions.js';
import { acknowledgeJustifiedWildcards } from '../../lib/pipeline-nag.js';
import { FAST_APP, glueScriptForTests } from './cdk-fixtures.js';

const config = parsePipelineConfig({
  ...defaultPipelineConfig,
  // Source sot also sends a header read from a secret: the ingest function is granted it besides the token.
  // Source sor checks an expectation: the dashboard graphs its failed rows.
  sources: defaultPipelineConfig.sources.map((s) =>
    s.name === 'sot' && s.kind === 'http'
      ? { ...s, http: { ...s.http, headers: { 'X-Api-Key': { secretName: 'acme/api-key' } } } }
      : s.name === 'sor'
        ? { ...s, expectations: [{ name: 'num_oper_set', not_null: 'num_oper' }] }
        : s,
  ),
  schedules: { ...defaultPipelineConfig.schedules, hourly: { enabled: false, expression: 'cron(5 * * * ? *)', lagMinutes: 5 } },
});

/** Stands in for the DataLakeStack: the same kinds of resources, in their own stack. */
function fakeDataLake(stack: Stack): PipelineDataLake {
  const table = (id: string, key: string) =>
    new dynamodb.Table(stack, id, { partitionKey: { name: key, type: dynamodb.AttributeType.STRING } });
  return {
    bronzeBucket: new s3.Bucket(stack, 'Bronze'),
    silverBucket: new s3.Bucket(stack, 'Silver'),
    goldBucket: new s3.Bucket(stack, 'Gold'),
    journeyTable: table('Journey', 'idempotency_key'),
    congregadoTable: table('Congregado', 'id'),
    partitionsTable: table('Partitions', 'partition'),
    watermarkTable: table('Watermark', 'source'),
    silverDatabase: 'db_silver',
    athenaWorkgroup: 'medallion',
    queryResultsBucket: new s3.Bucket(stack, 'QueryResults'),
  };
}

let template: Template;
let definition: any;
let nagError: string | undefined;
const glueScript = glueScriptForTests();
afterAll(() => glueScript.cleanup());

beforeAll(() => {
  // Bundling is skipped so that the test does not run esbuild six times; the template is otherwise the same.
  const app = new App(FAST_APP);
  const lake = fakeDataLake(new Stack(app, 'Lake', { env: { account: '111111111111', region: 'us-east-1' } }));
  const stack = new PipelineStack(app, 'Pipeline', {
    config,
    dataLake: lake,
    glueScriptPath: glueScript.path,
    env: { account: '111111111111', region: 'us-east-1' },
  });
  Validations.of(stack).acknowledge(
    // The fake data lake is not under test; its own stack has its own checks.
    ...['AwsSolutions-S1', 'AwsSolutions-S10', 'AwsSolutions-DDB3'].map((id) => ({ id, reason: 'fake data lake' })),
  );
  for (const c of lake.bronzeBucket.stack.node.findAll())
    Validations.of(c).acknowledge(
      ...['AwsSolutions-S1', 'AwsSolutions-S10', 'AwsSolutions-DDB3'].map((id) => ({ id, reason: 'fake data lake, not under test' })),
    );
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    app.synth();
  } catch (err) {
    nagError = (err as Error).message;
  }
  template = Template.fromStack(stack);
  const sm = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0] as any;
  definition = JSON.parse(resolveJoin(sm.Properties.DefinitionString));
});

/** Turns the synthesized Fn::Join into text, replacing every token with a placeholder string. */
function resolveJoin(value: any): string {
  if (typeof value === 'string') return value;
  const [sep, parts] = value['Fn::Join'];
  return parts.map((p: any) => (typeof p === 'string' ? p : 'TOKEN')).join(sep);
}

/** Every state of the definition, Map iterations included, by name. */
function allStates(states: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [name, state] of Object.entries(states)) {
    out[name] = state;
    if (state.ItemProcessor) Object.assign(out, allStates(state.ItemProcessor.States));
  }
  return out;
}

describe('state machine', () => {
  it('plans, short-circuits a completed journey, maps sources and consolidations, then completes', () => {
    expect(definition.StartAt).toBe(STATE_NAMES.plan);
    const s = definition.States;
    expect(s[STATE_NAMES.plan].Next).toBe(STATE_NAMES.alreadyCompleted);
    expect(s[STATE_NAMES.alreadyCompleted].Choices[0]).toMatchObject({
      Variable: '$.plan.value.status',
      StringEquals: 'completed',
      Next: STATE_NAMES.skipped,
    });
    expect(s[STATE_NAMES.alreadyCompleted].Default).toBe(STATE_NAMES.runPlan);
    expect(s[STATE_NAMES.runPlan]).toMatchObject({ Type: 'Pass', Next: STATE_NAMES.ingestSources });
    const map = s[STATE_NAMES.ingestSources];
    expect(map).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.sources',
      ResultPath: '$.sources',
      MaxConcurrency: config.limits.sourceConcurrency,
      Next: STATE_NAMES.consolidateTables,
    });
    expect(map.ItemProcessor.StartAt).toBe(STATE_NAMES.ingest);
    expect(map.ItemProcessor.States[STATE_NAMES.ingest].Next).toBe(STATE_NAMES.refine);
    expect(map.ItemProcessor.States[STATE_NAMES.refine].Next).toBe(STATE_NAMES.sourceResult);
    // What a source leaves in the run's state: its summaries without the lists only the steps need.
    expect(map.ItemProcessor.States[STATE_NAMES.sourceResult]).toMatchObject({
      Type: 'Pass',
      End: true,
      Parameters: {
        'source.$': '$.source',
        ingest: { 'value.$': 'States.JsonMerge($.ingest.value, $.omit.ingest, false)' },
        refine: { 'value.$': 'States.JsonMerge($.refine.value, $.omit.refine, false)' },
      },
    });
    expect(s[STATE_NAMES.consolidateTables]).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.plan.value.consolidations',
      ResultPath: '$.consolidations',
      Next: STATE_NAMES.complete,
    });
    // Per table: list its partitions, consolidate each in its own call (bounded), then count the results.
    const perTable = s[STATE_NAMES.consolidateTables].ItemProcessor;
    expect(perTable.StartAt).toBe(STATE_NAMES.goldPartitions);
    expect(perTable.States[STATE_NAMES.goldPartitions]).toMatchObject({
      Next: STATE_NAMES.consolidatePartitions,
      Parameters: { Payload: { step: 'gold-partitions' } },
      OutputPath: '$.partitions.value',
    });
    expect(perTable.States[STATE_NAMES.consolidatePartitions]).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.anomesdias',
      MaxConcurrency: config.limits.partitionConcurrency,
      Next: STATE_NAMES.goldTables,
    });
    // Once every partition is published, one call keeps the tables computed from them.
    expect(perTable.States[STATE_NAMES.goldTables]).toMatchObject({
      Type: 'Task',
      Parameters: { Payload: { step: 'gold-tables', 'anomesdias.$': '$.anomesdias' } },
      ResultPath: '$.goldTables',
      Next: STATE_NAMES.consolidationResult,
    });
    expect(perTable.States[STATE_NAMES.consolidationResult]).toMatchObject({
      Type: 'Task',
      Parameters: { Payload: { step: 'consolidation-result', 'partitions.$': '$.partitionResults', 'goldTables.$': '$.goldTables.value' } },
      OutputPath: '$.result.value',
      End: true,
    });
    const perPartition = perTable.States[STATE_NAMES.consolidatePartitions].ItemProcessor;
    expect(perPartition.StartAt).toBe(STATE_NAMES.consolidate);
    expect(perPartition.States[STATE_NAMES.consolidate].Next).toBe(STATE_NAMES.onGlue);
    expect(perPartition.States[STATE_NAMES.onGlue]).toMatchObject({
      Choices: [{ Variable: '$.consolidate.value.glue', IsPresent: true, Next: STATE_NAMES.glueRun }],
      Default: STATE_NAMES.partitionDone,
    });
    expect(perPartition.States[STATE_NAMES.glueRun].Next).toBe(STATE_NAMES.glueOutput);
    expect(perPartition.States[STATE_NAMES.glueOutput]).toMatchObject({
      Next: STATE_NAMES.partitionDone,
      Parameters: { Payload: { step: 'glue-output', 'jobRunId.$': '$.glueRun.jobRunId' } },
    });
    expect(perPartition.States[STATE_NAMES.partitionDone]).toMatchObject({ Type: 'Pass', OutputPath: '$.consolidate.value', End: true });
    expect(s[STATE_NAMES.complete].Next).toBe(STATE_NAMES.succeeded);
    expect(s[STATE_NAMES.recordFailure].Next).toBe(STATE_NAMES.notify);
    expect(s[STATE_NAMES.notify]).toMatchObject({ Resource: 'arn:TOKEN:states:::sns:publish', Next: STATE_NAMES.failed });
    expect(s[STATE_NAMES.failed]).toMatchObject({ Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' });
  });

  it('retries every Lambda step with backoff and jitter, but never a permanent error', () => {
    const states = allStates(definition.States);
    const lambdaTasks = Object.entries(states).filter(([, st]) => st.Type === 'Task' && st.Resource.endsWith(':lambda:invoke'));
    expect(lambdaTasks.map(([name]) => name).sort()).toEqual(
      [
        STATE_NAMES.plan,
        STATE_NAMES.ingest,
        STATE_NAMES.refine,
        STATE_NAMES.goldPartitions,
        STATE_NAMES.consolidate,
        STATE_NAMES.glueOutput,
        STATE_NAMES.goldTables,
        STATE_NAMES.consolidationResult,
        STATE_NAMES.complete,
        STATE_NAMES.recordFailure,
      ].sort(),
    );
    for (const [, task] of lambdaTasks) {
      const retry = task.Retry as any[];
      // Lambda's own service errors, then every permanent error at once (never retried), then the rest with backoff.
      expect(retry.map((r) => r.ErrorEquals)).toEqual([
        ['Lambda.ClientExecutionTimeoutException', 'Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException'],
        ['PermanentError'],
        ['States.ALL'],
      ]);
      expect(retry[1]).toEqual({ ErrorEquals: ['PermanentError'], MaxAttempts: 0 });
      expect(retry[2]).toMatchObject({ BackoffRate: 2, JitterStrategy: 'FULL', MaxAttempts: 3 });
    }
  });

  it('sets a timeout on every Task: its function timeout and a minute, the job timeout and five minutes for Glue', () => {
    const states = allStates(definition.States);
    const seconds = (step: 'plan' | 'complete' | 'fail' | 'heavy') =>
      ({ plan: 30, complete: 60, fail: 30, heavy: config.limits.lambdaTimeoutSeconds })[step] + 60;
    const expected: Record<string, number> = {
      [STATE_NAMES.plan]: seconds('plan'),
      [STATE_NAMES.ingest]: seconds('heavy'),
      [STATE_NAMES.refine]: seconds('heavy'),
      [STATE_NAMES.goldPartitions]: seconds('heavy'),
      [STATE_NAMES.consolidate]: seconds('heavy'),
      [STATE_NAMES.glueOutput]: seconds('heavy'),
      [STATE_NAMES.goldTables]: seconds('heavy'),
      [STATE_NAMES.consolidationResult]: seconds('heavy'),
      [STATE_NAMES.complete]: seconds('complete'),
      [STATE_NAMES.recordFailure]: seconds('fail'),
      [STATE_NAMES.notify]: 60,
      [STATE_NAMES.glueRun]: (config.limits.glueJobTimeoutMinutes + 5) * 60,
    };
    const tasks = Object.entries(states).filter(([, st]) => st.Type === 'Task');
    expect(Object.fromEntries(tasks.map(([name, st]) => [name, st.TimeoutSeconds]))).toEqual(expected);
  });

  it('runs a Glue partition with glue:startJobRun.sync and retries only a start Glue refused, never a run', () => {
    const states = allStates(definition.States);
    expect(states[STATE_NAMES.glueRun]).toEqual({
      Type: 'Task',
      Resource: 'arn:TOKEN:states:::glue:startJobRun.sync',
      Parameters: { JobName: 'Pipeline-consolidate', Arguments: { '--spec_uri.$': '$.consolidate.value.glue.spec_uri' } },
      ResultSelector: { 'jobRunId.$': '$.Id', 'state.$': '$.JobRunState' },
      ResultPath: '$.glueRun',
      TimeoutSeconds: (config.limits.glueJobTimeoutMinutes + 5) * 60,
      Retry: [
        {
          ErrorEquals: ['Glue.ConcurrentRunsExceededException'],
          IntervalSeconds: 60,
          MaxAttempts: 10,
          BackoffRate: 1.5,
          MaxDelaySeconds: 600,
          JitterStrategy: 'FULL',
        },
      ],
      Next: STATE_NAMES.glueOutput,
    });
    template.hasResourceProperties('AWS::Glue::Job', {
      Timeout: config.limits.glueJobTimeoutMinutes,
      ExecutionProperty: { MaxConcurrentRuns: config.limits.glueMaxConcurrentRuns },
    });
    // The state machine starts and watches the runs; the consolidate function only writes their specs.
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as any[];
    const glueActions = (role: string) =>
      policies
        .filter((p) => JSON.stringify(p.Properties.Roles).includes(role))
        .flatMap((p) => p.Properties.PolicyDocument.Statement)
        .flatMap((st: any) => [st.Action].flat())
        .filter((a: string) => a.startsWith('glue:') && a.includes('JobRun'));
    expect(glueActions('StateMachineRole').sort()).toEqual([
      'glue:BatchStopJobRun',
      'glue:GetJobRun',
      'glue:GetJobRuns',
      'glue:StartJobRun',
    ]);
  });

  it('sends every failure after the input is read to the failure handler, with the error', () => {
    for (const name of [STATE_NAMES.plan, STATE_NAMES.ingestSources, STATE_NAMES.consolidateTables, STATE_NAMES.complete]) {
      expect(definition.States[name].Catch).toEqual([
        { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: STATE_NAMES.recordFailure },
      ]);
    }
    expect(definition.States[STATE_NAMES.recordFailure].Catch[0].Next).toBe(STATE_NAMES.notify);
  });

  it('logs every execution with its data and traces with X-Ray', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true, Destinations: Match.anyValue() },
    });
  });
});

describe('functions', () => {
  it('runs seven step functions and the file-drop trigger on Node.js 22 and arm64 with tracing', () => {
    const fns = template.findResources('AWS::Lambda::Function', {
      Properties: { Runtime: 'nodejs22.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' } },
    });
    expect(Object.keys(fns)).toHaveLength(8);
  });

  it('tells each function its buckets and tables by name', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          BRONZE_BUCKET: Match.anyValue(),
          JOURNEY_TABLE: Match.anyValue(),
          WATERMARK_TABLE: Match.anyValue(),
        }),
      },
    });
  });

  it('grants no wildcard resource in any policy', () => {
    for (const policy of Object.values(template.findResources('AWS::IAM::Policy')) as any[]) {
      for (const st of policy.Properties.PolicyDocument.Statement) {
        const resources = [st.Resource].flat();
        // X-Ray trace writes and the log delivery set-up accept no resource but "*".
        const resourceless = [st.Action]
          .flat()
          .every((a: string) => /^(xray:|logs:.*(LogDeliver|ResourcePolic|DescribeLogGroups))/.test(a));
        if (!resourceless) expect(resources, JSON.stringify(st.Action)).not.toContain('*');
      }
    }
  });

  it('scopes Glue catalog actions to the pipeline databases and tables', () => {
    const glue = (Object.values(template.findResources('AWS::IAM::Policy')) as any[])
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((st) => [st.Action].flat().some((a: string) => a.startsWith('glue:')));
    expect(glue.length).toBeGreaterThan(0);
    const text = JSON.stringify(glue);
    expect(text).toContain(':table/db_silver/sor');
    // A source (sor) has expectations: refine registers partitions of db_silver.quality_results too.
    expect(text).toContain(':table/db_silver/quality_results');
    expect(text).toContain(':table/db_batch/tbl_processado_operacao_consolidada_n1');
    expect(text).not.toMatch(/table\/\*|database\/\*/);
  });

  it('lets only the ingest function read the configured API secrets (token and header secrets), by name', () => {
    const secret = (Object.values(template.findResources('AWS::IAM::Policy')) as any[])
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((st) => [st.Action].flat().includes('secretsmanager:GetSecretValue'));
    expect(secret).toHaveLength(1);
    const resources = JSON.stringify(secret[0].Resource);
    expect(resources).toContain(':secret:medallion/demo-api-token-??????');
    expect(resources).toContain(':secret:acme/api-key-??????');
    expect(resources.match(/:secret:/g)).toHaveLength(2);
  });
});

describe('schedules', () => {
  it('starts an hourly run and a daily D-1 run with their modes, honouring enabled', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(5 * * * ? *)',
      State: 'DISABLED',
      Targets: [Match.objectLike({ Input: JSON.stringify({ mode: 'hourly' }) })],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 2 * * ? *)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Input: JSON.stringify({ mode: 'daily' }) })],
    });
  });
});

describe('alarms and notifications', () => {
  it("alarms on failed and timed-out executions and on each function's errors and throttles, to the topic", () => {
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/States',
        MetricName: metric,
        AlarmActions: [Match.anyValue()],
      });
    }
    expect(
      Object.keys(template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'Errors', Namespace: 'AWS/Lambda' } })),
    ).toHaveLength(8);
    expect(
      Object.keys(template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'Throttles', Namespace: 'AWS/Lambda' } })),
    ).toHaveLength(8);
  });

  it('alarms, per source, when refine quarantines invalidRowsAlarmPercent of its rows or more in an hour', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'))
      .map((a: any) => a.Properties)
      .filter((p) => p.Metrics);
    expect(alarms.map((a) => a.AlarmDescription.match(/of source (\w+)'s/)?.[1])).toEqual(config.sources.map((s) => s.name));
    const sor = alarms.find((a) => a.AlarmDescription.includes("source sor's"))!;
    expect(sor).toMatchObject({ Threshold: 5, ComparisonOperator: 'GreaterThanOrEqualToThreshold', AlarmActions: [expect.anything()] });
    expect(sor.AlarmDescription).toContain('_quarantine/sor/');
    const expression = sor.Metrics.find((m: any) => m.Expression)!;
    expect(expression.Expression).toBe('IF(readRows > 0, 100 * invalidRows / readRows, 0)');
    const metric = (id: string) => sor.Metrics.find((m: any) => m.Id === id).MetricStat;
    for (const [id, name] of [
      ['invalidRows', 'RowsInvalid'],
      ['readRows', 'RowsRead'],
    ] as const) {
      expect(metric(id)).toMatchObject({ Metric: { Namespace: 'MedallionPipeline', MetricName: name }, Period: 3600, Stat: 'Sum' });
      expect(metric(id).Metric.Dimensions).toEqual(
        expect.arrayContaining([
          { Name: 'service', Value: 'medallion-dev' },
          { Name: 'step', Value: 'refine' },
          { Name: 'source', Value: 'sor' },
        ]),
      );
    }
  });

  it('encrypts the topic and refuses plain HTTP publishers', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it('passes cdk-nag AwsSolutions with no unsuppressed finding', () => {
    expect(nagError).toBeUndefined();
  });

  it('still reports a wildcard that no acknowledgement explains', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const other = new Stack(app, 'Other');
    const role = new iam.Role(other, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
    acknowledgeJustifiedWildcards(other);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-IAM5\[Action::s3:\*\][\s\S]*AwsSolutions-IAM5\[Resource::\*\]/);
  });
});

describe('dashboard', () => {
  it("charts executions, each source's processing-log metrics with the very dimensions the handlers emit, and each function", async () => {
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as any[];
    expect(dashboards).toHaveLength(1);
    expect(dashboards[0].Properties.DashboardName).toBe('medallion-dev');
    const body = JSON.parse(resolveJoin(dashboards[0].Properties.DashboardBody));
    const metrics: unknown[][] = body.widgets.flatMap((w: any) => w.properties.metrics ?? []);
    const own = metrics.filter((m) => m[0] === 'MedallionPipeline');
    for (const source of config.sources.map((s) => s.name)) {
      for (const [name, step] of [
        ['RowsWritten', 'ingest'],
        ['RowsWritten', 'refine'],
        ['RowsInvalid', 'refine'],
        ['SchemaDriftRecords', 'refine'],
        ['StepDuration', 'ingest'],
        ['StepFailed', 'refine'],
      ]) {
        expect(own, `${name} ${step} ${source}`).toContainEqual(
          expect.arrayContaining([name, 'service', 'medallion-dev', 'step', step, 'source', source]),
        );
      }
    }
    // ExpectationFailedRows has one line per source and expectation, found by a search over this service's metrics.
    expect(metrics.flat()).toContainEqual(
      expect.objectContaining({
        expression: `SEARCH('{MedallionPipeline,expectation,service,source,step} MetricName="ExpectationFailedRows" service="medallion-dev"', 'Sum', 3600)`,
      }),
    );
    for (const [name, statistic] of [
      ['RowsWritten', 'Sum'],
      ['StepDuration', 'Maximum'],
      ['StepFailed', 'Sum'],
    ]) {
      expect(own, `consolidate ${name}`).toContainEqual(
        expect.arrayContaining([
          name,
          'service',
          'medallion-dev',
          'step',
          'consolidate',
          'source',
          'db_batch.tbl_processado_operacao_consolidada_n1',
          expect.objectContaining({ stat: statistic }),
        ]),
      );
    }
    expect(metrics.filter((m) => m[0] === 'AWS/Lambda' && m[1] === 'Errors')).toHaveLength(7);
    expect(metrics.filter((m) => m[0] === 'AWS/States' && m[1] === 'ExecutionsFailed')).toHaveLength(1);
    template.hasOutput('DashboardUrl', { Value: Match.anyValue() });

    // What a deployed handler prints (Powertools EMF, with the service name the stack gives the functions).
    const env = Object.values(template.findResources('AWS::Lambda::Function')).map(
      (f: any) => f.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME,
    );
    expect(new Set(env)).toEqual(new Set(['medallion-dev']));
    // The test setup turns Powertools metrics off; this test wants to see what they print.
    const disabled = process.env.POWERTOOLS_METRICS_DISABLED;
    process.env.POWERTOOLS_SERVICE_NAME = 'medallion-dev';
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    const printed: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => (printed.push(String(chunk)), true));
    try {
      const { stepMetrics } = await import('../../lambdas/handlers/aws-runtime.js');
      stepMetrics.add('RowsWritten', 'Count', 7, { step: 'ingest', source: 'sor' });
    } finally {
      write.mockRestore();
      delete process.env.POWERTOOLS_SERVICE_NAME;
      process.env.POWERTOOLS_METRICS_DISABLED = disabled;
    }
    const emf = JSON.parse(printed.find((p) => p.includes('"CloudWatchMetrics"'))!);
    const dimensions: string[] = emf._aws.CloudWatchMetrics[0].Dimensions[0];
    expect(emf._aws.CloudWatchMetrics[0].Namespace).toBe('MedallionPipeline');
    // The dashboard's metric names exactly these dimensions, with the values the handler printed.
    const charted = own.find((m) => m[1] === 'RowsWritten' && m.includes('ingest') && m.includes('sor'))!;
    const chartedDimensions = Object.fromEntries(
      Array.from({ length: ((charted.length - 2) / 2) | 0 }, (_, i) => [charted[2 + 2 * i], charted[3 + 2 * i]]).filter(
        ([k]) => typeof k === 'string',
      ),
    );
    expect(chartedDimensions).toEqual(Object.fromEntries(dimensions.map((d) => [d, emf[d]])));
  });
});
