import { App, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelineConfigError, parsePipelineConfig } from '../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../lambdas/core/default-config.js';
import { buildApp, stackName, type PipelineApp } from '../../lib/app.js';
import { ConfigFileError, DEMO_SYNTH_NOTICE, loadPipelineConfig } from '../../lib/config-loader.js';
import { ConsolidateGlueJob, GlueScriptMissingError, SKIPPED_SCRIPT_LOCATION } from '../../lib/constructs/consolidate-glue-job.js';
import { ENV } from '../../lambdas/handlers/env.js';
import { PipelineStack } from '../../lib/pipeline-stack.js';
import { DataLakeStack } from '../../lib/data-lake-stack.js';
import { FAST_APP, NO_BUNDLING, REPOSITORY_ROOT, glueScriptForTests } from './cdk-fixtures.js';

const glueScript = glueScriptForTests();
const dir = mkdtempSync(join(tmpdir(), 'cdk-app-test-'));
afterAll(() => {
  glueScript.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

const badConfig = {
  ...defaultPipelineConfig,
  stage: 'Prod!',
  limits: { sourceConcurrency: 0 },
  consolidations: [{ ...defaultPipelineConfig.consolidations![0]!, origens: ['sor', 'nope'] }],
};

let built: PipelineApp;
let lake: Template;
let pipeline: Template;
let synthError: Error | undefined;
const scheduleRules = () => pipeline.findResources('AWS::Events::Rule', { Properties: { ScheduleExpression: Match.anyValue() } });

beforeAll(() => {
  const path = writeConfig('acme.json', { ...defaultPipelineConfig, stage: 'qa', storage: { namePrefix: 'acme' } });
  built = buildApp({
    appProps: { ...FAST_APP, outdir: join(dir, 'out'), context: { ...NO_BUNDLING, config: path } },
    pipeline: { glueScriptPath: glueScript.path },
  });
  try {
    built.app.synth();
  } catch (err) {
    synthError = err as Error;
  }
  lake = Template.fromStack(built.dataLake);
  pipeline = Template.fromStack(built.pipeline);
});

describe('the app', () => {
  it('reads -c config=<file>, names both stacks after its stage and prefix, and has no environment (no lookups)', () => {
    expect(built.config.storage.namePrefix).toBe('acme');
    expect(built.dataLake.stackName).toBe('acme-MedallionQaDataLake');
    expect(built.pipeline.stackName).toBe('acme-MedallionQaPipeline');
    expect(built.pipeline.dependencies).toContain(built.dataLake);
    expect(Stack.of(built.pipeline).environment).toBe('aws://unknown-account/unknown-region');
    lake.hasResourceProperties('AWS::DynamoDB::Table', { TableName: 'acme_journey_control' });
  });

  it('deploys the demo config with its schedules disabled without -c config, and says how to pass one', () => {
    const demo = parsePipelineConfig(defaultPipelineConfig);
    demo.schedules.hourly.enabled = false;
    demo.schedules.daily.enabled = false;
    expect(loadPipelineConfig(undefined)).toEqual(demo);
    expect(stackName(demo, 'Pipeline')).toBe('MedallionDevPipeline');
    expect(DEMO_SYNTH_NOTICE).toContain('-c config=path/to/config.json');

    const unconfigured = buildApp({ appProps: { ...FAST_APP, context: NO_BUNDLING }, pipeline: { glueScriptPath: glueScript.path } });
    expect(unconfigured.demo).toBe(true);
    const rules = Template.fromStack(unconfigured.pipeline).findResources('AWS::Events::Rule', {
      Properties: { ScheduleExpression: Match.anyValue() },
    });
    expect(Object.values(rules).map((r) => (r as { Properties: { State: string } }).Properties.State)).toEqual(['DISABLED', 'DISABLED']);
    // With a config, its schedules as it says: the demo's own config keeps them on.
    expect(built.demo).toBe(false);
    expect(Object.values(scheduleRules()).map((r) => (r as { Properties: { State: string } }).Properties.State)).toEqual([
      'ENABLED',
      'ENABLED',
    ]);
  });

  it('resolves a relative -c config path from the working directory', () => {
    writeConfig('relative.json', { ...defaultPipelineConfig, stage: 'rel' });
    expect(loadPipelineConfig('relative.json', dir).stage).toBe('rel');
  });

  it('passes cdk-nag AwsSolutions with no unacknowledged error or warning in either stack', () => {
    // cdk-nag 3 reports through the CDK validation report, and any violation (warnings too) fails the synth.
    expect(synthError?.message).toBeUndefined();
    const report = JSON.parse(readFileSync(join(dir, 'out', 'validation-report.json'), 'utf8')) as {
      pluginReports: { pluginName: string; violations: unknown[] }[];
    };
    expect(report.pluginReports.flatMap((r) => r.violations)).toEqual([]);
  });

  it('still fails the synth on a finding nobody acknowledged', () => {
    const other = buildApp({ appProps: FAST_APP, pipeline: { glueScriptPath: glueScript.path } });
    // A bucket without access logs and without a TLS-only policy.
    new s3.Bucket(other.dataLake, 'Unlogged');
    expect(() => other.app.synth()).toThrow(/Unlogged[\s\S]*AwsSolutions-S1|AwsSolutions-S1[\s\S]*Unlogged/);
  });
});

describe('a bad config', () => {
  it('makes buildApp throw a PipelineConfigError listing each wrong field and its reason', () => {
    const path = writeConfig('bad.json', badConfig);
    let error: unknown;
    try {
      buildApp({ appProps: { context: { ...NO_BUNDLING, config: path } } });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PipelineConfigError);
    const { issues, message } = error as PipelineConfigError;
    expect(issues.map((i) => i.path).sort()).toEqual(['consolidations[0].origens[1]', 'limits.sourceConcurrency', 'stage']);
    expect(message).toContain('stage: use lower case letters');
    expect(message).toContain('consolidations[0].origens[1]: "nope" is not a declared source');
    expect(message).toContain('limits.sourceConcurrency:');
  });

  it('names a missing or malformed config file', () => {
    expect(() => buildApp({ appProps: { context: { config: join(dir, 'absent.json') } } })).toThrow(ConfigFileError);
    expect(() => buildApp({ appProps: { context: { config: join(dir, 'absent.json') } } })).toThrow(
      `${join(dir, 'absent.json')}: no such file. Pass an existing JSON file with -c config=path/to/config.json`,
    );
    expect(() => loadPipelineConfig(writeConfig('broken.json', '{"stage": '))).toThrow(/broken\.json: not valid JSON/);
  });

  it('fails `bin/app.ts` with exit code 1 and the field list alone, without a stack trace', async () => {
    const path = writeConfig('bad-cli.json', badConfig);
    const run = promisify(execFile)(process.execPath, ['--import', 'tsx', join(REPOSITORY_ROOT, 'bin', 'app.ts')], {
      cwd: REPOSITORY_ROOT,
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ config: path }), CDK_OUTDIR: join(dir, 'cli-out') },
    });
    const failure = await run.then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('Invalid pipeline config');
    expect(failure?.stderr).toContain('consolidations[0].origens[1]');
    expect(failure?.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('the consolidate Glue job', () => {
  it('runs the uploaded script on Glue 5.0 with the catalog, no bookmarks, continuous logs and G.1X workers', () => {
    pipeline.hasResourceProperties('AWS::Glue::Job', {
      Name: 'acme-MedallionQaPipeline-consolidate',
      GlueVersion: '5.0',
      WorkerType: 'G.1X',
      NumberOfWorkers: 10,
      MaxRetries: 0,
      Command: { Name: 'glueetl', PythonVersion: '3', ScriptLocation: { 'Fn::Sub': Match.stringLikeRegexp('^s3://cdk-.*\\.py$') } },
      DefaultArguments: Match.objectLike({
        '--enable-glue-datacatalog': 'true',
        '--job-bookmark-option': 'job-bookmark-disable',
        '--enable-continuous-cloudwatch-log': 'true',
      }),
      SecurityConfiguration: { Ref: Match.anyValue() },
    });
  });

  it('encrypts its S3 output, logs and bookmarks through a security configuration', () => {
    pipeline.hasResourceProperties('AWS::Glue::SecurityConfiguration', {
      EncryptionConfiguration: {
        S3Encryptions: [{ S3EncryptionMode: 'SSE-S3' }],
        CloudWatchEncryption: { CloudWatchEncryptionMode: 'SSE-KMS', KmsKeyArn: Match.anyValue() },
        JobBookmarksEncryption: { JobBookmarksEncryptionMode: 'CSE-KMS', KmsKeyArn: Match.anyValue() },
      },
    });
    pipeline.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
            // Only the job's own log groups (test/lib/step-permissions.test.ts has their names).
            Condition: { ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  it("lets its role read only the silver origins' catalog tables and never write the catalog", () => {
    const role = Object.keys(
      pipeline.findResources('AWS::IAM::Role', {
        Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'glue.amazonaws.com' } })] } },
      }),
    );
    expect(role).toHaveLength(1);
    const statements = policyStatements(pipeline, role[0]!);
    const glueActions = statements.flatMap((s) => [s.Action].flat()).filter((a: string) => a.startsWith('glue:'));
    expect(glueActions.length).toBeGreaterThan(0);
    expect(glueActions.filter((a: string) => /Create|Update|Delete/.test(a))).toEqual([]);
    const reads = statements.find((s) => [s.Action].flat().includes('glue:GetPartitions'));
    expect(text(reads!.Resource)).toContain(':table/acme_db_silver/sor');
    expect(text(reads!.Resource)).toContain(':table/acme_db_silver/sot');
    expect(text(reads!.Resource)).not.toContain(':table/acme_db_silver/clientes');
    expect(text(reads!.Resource)).not.toContain('acme_db_batch');
    // The script object alone, not the whole bootstrap assets bucket.
    expect(text(statements)).toMatch(/cdk-hnb659fds-assets-\$\{AWS::AccountId\}-\$\{AWS::Region\}"\},"\/[0-9a-f]{64}\.py"/);
    expect(text(statements)).not.toMatch(/cdk-hnb659fds-assets-[^\]]*"\/\*"/);
  });

  it('is started only by the state machine; the consolidate function is told its name and where to put specs', () => {
    const start = allStatements(pipeline).filter((s) => [s.Action].flat().includes('glue:StartJobRun'));
    expect(start).toHaveLength(1);
    expect(text(start[0]!.Resource)).toContain(':job/acme-MedallionQaPipeline-consolidate');
    const policy = Object.values(pipeline.findResources('AWS::IAM::Policy')).find((p: any) =>
      JSON.stringify(p.Properties.PolicyDocument).includes('glue:StartJobRun'),
    ) as any;
    expect(JSON.stringify(policy.Properties.Roles)).toContain('StateMachineRole');
    pipeline.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [ENV.glueJobName]: 'acme-MedallionQaPipeline-consolidate',
          [ENV.glueSpecBucket]: Match.anyValue(),
          [ENV.glueSpecPrefix]: '_glue-specs/',
          [ENV.silverDatabase]: 'acme_db_silver',
          [ENV.athenaWorkgroup]: 'acme_medallion',
        }),
      },
    });
  });

  it('refuses a missing script when the synth bundles assets, and stands in for it when bundling is skipped', () => {
    const config = parsePipelineConfig(defaultPipelineConfig);
    const make = (app: App) => {
      const lake = new DataLakeStack(app, 'L', { config });
      return new ConsolidateGlueJob(new Stack(app, 'J'), 'Job', {
        config,
        scriptPath: join(dir, 'absent.py'),
        silverBucket: lake.silverBucket,
        goldBucket: lake.goldBucket,
        silverDatabase: 'db_silver',
      });
    };
    expect(() => make(new App({ builtinCloudFormationValidation: false }))).toThrow(GlueScriptMissingError);
    expect(() => make(new App({ builtinCloudFormationValidation: false }))).toThrow(/absent\.py does not exist/);
    const skipped = make(new App(FAST_APP));
    expect(skipped.script).toBeUndefined();
    expect(Stack.of(skipped).resolve(skipped.job.command)).toMatchObject({ scriptLocation: SKIPPED_SCRIPT_LOCATION });
  });

  it('is left out when every consolidation runs on Lambda', () => {
    const config = parsePipelineConfig({
      ...defaultPipelineConfig,
      consolidations: defaultPipelineConfig.consolidations!.map((c) => ({ ...c, engine: 'lambda' })),
    });
    const app = new App(FAST_APP);
    const dataLake = new DataLakeStack(app, 'L', { config });
    const stack = new PipelineStack(app, 'P', { config, dataLake: dataLake.pipelineDataLake });
    const template = Template.fromStack(stack);
    expect(stack.glueJob).toBeUndefined();
    template.resourceCountIs('AWS::Glue::Job', 0);
    expect(JSON.stringify(template.toJSON())).not.toContain(ENV.glueJobName);
  });
});

describe('a consolidation with output_path', () => {
  it('lets the Glue job and the consolidate function write under that path, and declares no catalog table for it', () => {
    const base = defaultPipelineConfig.consolidations![0]!;
    const config = parsePipelineConfig({
      ...defaultPipelineConfig,
      consolidations: [
        base,
        { ...base, tabela_consolidada: 'tbl_export', output_path: 's3://partner-exports/consolidacao/', aggregates: [], expectations: [] },
      ],
    });
    const app = new App(FAST_APP);
    const dataLake = new DataLakeStack(app, 'L', { config });
    const stack = new PipelineStack(app, 'P', { config, dataLake: dataLake.pipelineDataLake, glueScriptPath: glueScript.path });
    const template = Template.fromStack(stack);
    const glueRole = stack.getLogicalId(stack.glueJob!.role.node.defaultChild as never);
    const consolidateRole = stack.getLogicalId(stack.functions.functions.consolidate.role!.node.defaultChild as never);
    for (const role of [glueRole, consolidateRole]) {
      const resources = text(policyStatements(template, role).map((s) => s.Resource));
      expect(resources).toContain(':s3:::partner-exports/consolidacao/*');
    }
    expect(text(Template.fromStack(dataLake).findResources('AWS::Glue::Table'))).not.toContain('tbl_export');
  });
});

describe('IAM across both stacks', () => {
  it('never grants Resource "*" where a specific ARN exists', () => {
    for (const template of [lake, pipeline]) {
      for (const st of allStatements(template)) {
        // X-Ray trace writes and the log delivery set-up accept no resource but "*".
        const resourceless = [st.Action]
          .flat()
          .every((a: string) => /^(xray:|logs:.*(LogDeliver|ResourcePolic|DescribeLogGroups))/.test(a));
        if (!resourceless) expect([st.Resource].flat(), JSON.stringify(st.Action)).not.toContain('*');
      }
    }
  });

  it("scopes the functions' catalog grants to the prefixed databases and tables", () => {
    const glue = allStatements(pipeline).filter((s) =>
      [s.Action].flat().some((a: string) => a.startsWith('glue:') && a.includes('Partition')),
    );
    const resources = text(glue.map((s) => s.Resource));
    expect(resources).toContain(':database/acme_db_silver');
    expect(resources).toContain(':table/acme_db_silver/clientes');
    expect(resources).not.toMatch(/:database\/db_silver|table\/\*|database\/\*/);
  });
});

function text(value: unknown): string {
  return JSON.stringify(value);
}

function allStatements(template: Template): any[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}

function policyStatements(template: Template, roleLogicalId: string): any[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p: any) => text(p.Properties.Roles).includes(roleLogicalId))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}
