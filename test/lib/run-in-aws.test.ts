// Running it in AWS: stack outputs, config tags on every resource, the ingest function in a VPC, disabled sources
// skipped by the schedules, and the event-driven file drop (bronze -> EventBridge -> queue -> trigger -> executions).
import { Match, Template } from 'aws-cdk-lib/assertions';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePipelineConfig, type PipelineConfigError } from '../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../lambdas/core/default-config.js';
import { ENV } from '../../lambdas/handlers/env.js';
import { buildApp, type PipelineApp } from '../../lib/app.js';
import { FAST_APP, cfnLint, glueScriptForTests } from './cdk-fixtures.js';

const glueScript = glueScriptForTests();
const outdir = mkdtempSync(join(tmpdir(), 'run-in-aws-'));
afterAll(() => {
  glueScript.cleanup();
  rmSync(outdir, { recursive: true, force: true });
});

const TAGS = { 'cost-center': 'data-42', owner: 'team-lake' };
const VPC = { subnetIds: ['subnet-0aa11bb2', 'subnet-0123456789abcdef0'], securityGroupIds: ['sg-0cc33dd4'] };
const config = parsePipelineConfig({
  ...defaultPipelineConfig,
  sources: defaultPipelineConfig.sources!.map((s) => (s.name === 'clientes' ? { ...s, enabled: false } : s)),
  tags: TAGS,
  vpc: VPC,
});

let built: PipelineApp;
let lake: Template;
let pipeline: Template;
let synthError: unknown;

beforeAll(() => {
  built = buildApp({ appProps: { ...FAST_APP, outdir }, config, pipeline: { glueScriptPath: glueScript.path } });
  try {
    // cdk-nag's findings fail the synth.
    built.app.synth();
  } catch (err) {
    synthError = err;
  }
  lake = Template.fromStack(built.dataLake);
  pipeline = Template.fromStack(built.pipeline);
}, 180_000);

const resourcesOf = (t: Template, type: string) => Object.entries(t.findResources(type)) as [string, any][];

describe('stack outputs', () => {
  it('give the state machine ARN, the buckets and the Athena workgroup', () => {
    pipeline.hasOutput('StateMachineArn', { Value: { Ref: Match.stringLikeRegexp('StateMachine') } });
    for (const id of ['BronzeBucketName', 'SilverBucketName', 'GoldBucketName', 'QueryResultsBucketName'])
      lake.hasOutput(id, { Value: { Ref: Match.stringLikeRegexp('Buckets') } });
    lake.hasOutput('AthenaWorkgroupName', { Value: Match.anyValue() });
  });
});

describe('tags from the config', () => {
  it.each([
    ['DataLake', 'AWS::S3::Bucket'],
    ['DataLake', 'AWS::DynamoDB::Table'],
    ['DataLake', 'AWS::Athena::WorkGroup'],
    ['Pipeline', 'AWS::Lambda::Function'],
    ['Pipeline', 'AWS::StepFunctions::StateMachine'],
    ['Pipeline', 'AWS::SQS::Queue'],
    ['Pipeline', 'AWS::IAM::Role'],
    ['Pipeline', 'AWS::KMS::Key'],
    ['Pipeline', 'AWS::CloudWatch::Alarm'],
  ])('are on every %s %s', (stack, type) => {
    const resources = resourcesOf(stack === 'DataLake' ? lake : pipeline, type);
    expect(resources.length).toBeGreaterThan(0);
    for (const [, r] of resources) {
      const tags = r.Properties.Tags;
      // Most types take a list of {Key, Value}; the state machine's and the work group's too, the others a map.
      const pairs = Array.isArray(tags) ? Object.fromEntries(tags.map((t: { Key: string; Value: string }) => [t.Key, t.Value])) : tags;
      expect(pairs).toMatchObject(TAGS);
    }
  });
});

describe('tags and VPC in the config', () => {
  it('refuses tag keys in the aws: namespace and ids that are no subnet or security group, by path', () => {
    const issues = (() => {
      try {
        parsePipelineConfig({
          ...defaultPipelineConfig,
          tags: { 'aws:owner': 'x' },
          vpc: { subnetIds: ['vpc-0aa11bb2'], securityGroupIds: [] },
        });
      } catch (err) {
        return (err as PipelineConfigError).issues.map((i) => i.path);
      }
    })();
    expect(issues).toEqual(['tags.aws:owner', 'vpc.subnetIds[0]', 'vpc.securityGroupIds']);
  });
});

describe('VPC for the functions that call the sources', () => {
  it('puts the ingest function, and only it, into the configured subnets and security groups', () => {
    const inVpc = resourcesOf(pipeline, 'AWS::Lambda::Function').filter(([, r]) => r.Properties.VpcConfig);
    expect(inVpc.map(([id]) => id)).toEqual([expect.stringMatching(/^Stepsingest/)]);
    expect(inVpc[0]![1].Properties.VpcConfig).toEqual({ SubnetIds: VPC.subnetIds, SecurityGroupIds: VPC.securityGroupIds });
    // Lambda checks the network-interface permissions when it creates the function.
    expect(inVpc[0]![1].DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/VpcAccess/)]));
  });

  it('grants the network-interface actions of the VPC access policy on those subnets and groups only', () => {
    const [[, policy]] = resourcesOf(pipeline, 'AWS::IAM::Policy').filter(([id]) => id.includes('VpcAccess')) as [[string, any]];
    const statements = policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[];
    const create = statements.find((s) => s.Action === 'ec2:CreateNetworkInterface')!;
    const text = JSON.stringify(create.Resource);
    for (const id of [...VPC.subnetIds, ...VPC.securityGroupIds]) expect(text).toContain(id);
    const star = statements.filter((s) => s.Resource === '*').flatMap((s) => [s.Action].flat());
    expect(star.sort()).toEqual(['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets']);
    expect(pipeline.findResources('AWS::IAM::ManagedPolicy')).toEqual({});
  });
});

describe('disabled sources', () => {
  it('are left out of both schedules, named in their input, and keep their silver table', () => {
    const inputs = resourcesOf(pipeline, 'AWS::Events::Rule')
      .filter(([, r]) => r.Properties.ScheduleExpression)
      .map(([, r]) => JSON.parse(r.Properties.Targets[0].Input));
    expect(inputs).toEqual([
      { mode: 'hourly', sources: ['sor', 'sot', 'cotacoes', 'animais'] },
      { mode: 'daily', sources: ['sor', 'sot', 'cotacoes', 'animais'] },
    ]);
    lake.hasResourceProperties('AWS::Glue::Table', { TableInput: Match.objectLike({ Name: 'clientes' }) });
  });
});

describe('event-driven file drop', () => {
  it('has the bronze bucket send its events to EventBridge', () => {
    const bronze = resourcesOf(lake, 'AWS::S3::Bucket').filter(([id]) => id.startsWith('BucketsBronze'));
    expect(bronze.map(([, r]) => r.Properties.NotificationConfiguration)).toEqual([
      { EventBridgeConfiguration: { EventBridgeEnabled: true } },
    ]);
  });

  it('routes objects created under pending/<source>/ of the enabled file sources to an encrypted queue, with a dead-letter queue', () => {
    const [[, rule]] = resourcesOf(pipeline, 'AWS::Events::Rule').filter(([, r]) => r.Properties.EventPattern) as [[string, any]];
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: {
        bucket: { name: [{ 'Fn::ImportValue': expect.stringMatching(/Bronze/) }] },
        object: { key: [{ prefix: 'pending/animais/' }] },
      },
    });
    const [target] = rule.Properties.Targets;
    expect(target.Arn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^FileDropEvents/), 'Arn'] });
    expect(target.DeadLetterConfig.Arn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^FileDropDeadLetters/), 'Arn'] });
    expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 3600 });
    for (const [, queue] of resourcesOf(pipeline, 'AWS::SQS::Queue')) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    pipeline.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FileDropDeadLetters'), 'Arn'] }, maxReceiveCount: 5 },
    });
  });

  it('reads the queue in batches of up to a minute, at most two at once, into a function that may only start executions', () => {
    pipeline.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 1000,
      MaximumBatchingWindowInSeconds: 60,
      ScalingConfig: { MaximumConcurrency: 2 },
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FileDropEvents'), 'Arn'] },
    });
    const [[fnId, fn]] = resourcesOf(pipeline, 'AWS::Lambda::Function').filter(([id]) => id.startsWith('FileDropfileDropTrigger')) as [
      [string, any],
    ];
    expect(fn.Properties.Environment.Variables[ENV.stateMachineArn]).toEqual({ Ref: expect.stringMatching(/StateMachine/) });
    const role = fn.Properties.Role['Fn::GetAtt'][0] as string;
    const policies = resourcesOf(pipeline, 'AWS::IAM::Policy').filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === role));
    const actions = policies.flatMap(([, p]) => p.Properties.PolicyDocument.Statement.flatMap((s: any) => [s.Action].flat())).sort();
    expect(actions).toEqual(
      [
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:ReceiveMessage',
        'states:StartExecution',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
    expect(fnId).toMatch(/^FileDrop/);
  });

  it('alarms on the dead-letter queue and on the function errors', () => {
    const alarms = resourcesOf(pipeline, 'AWS::CloudWatch::Alarm').map(([id]) => id);
    expect(alarms).toEqual(
      expect.arrayContaining([expect.stringMatching(/^AlarmsFileDropDeadLetters/), expect.stringMatching(/^AlarmsfileDropTriggerErrors/)]),
    );
  });

  it('passes cdk-nag with the trigger, the VPC and the tags', () => {
    expect(synthError).toBeUndefined();
  });

  it('passes cfn-lint with no error in either template', async () => {
    const findings = await cfnLint([built.dataLake, built.pipeline].map((s) => join(outdir, s.templateFile)));
    expect(findings.filter((f) => f.Level === 'Error').map((f) => `${f.Rule.Id} ${f.Message}`)).toEqual([]);
  }, 120_000);
});
