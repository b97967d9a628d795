// Builds the CDK app from the pipeline config: the stateful DataLakeStack, the stateless PipelineStack, cdk-nag.
import { resolve } from 'node:path';
import { App, Tags, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { PipelineConfig } from '../lambdas/core/config.js';
import { CONFIG_CONTEXT_KEY, ConfigFileError, loadPipelineConfig } from './config-loader.js';
import { DataLakeStack } from './data-lake-stack.js';
import {
  ACCEPT_SCHEMA_CHANGES_CONTEXT_KEY,
  checkSchemaLock,
  DEMO_SCHEMA_LOCK,
  SCHEMA_LOCK_CONTEXT_KEY,
  schemaLockPath,
  type SchemaLockCheck,
} from './schema-lock.js';
import { PipelineStack, type PipelineStackProps } from './pipeline-stack.js';

export interface BuildAppOptions {
  /**
   * Props of the App, e.g. its context in tests.
   * @default - an App with no props: context from cdk.json and the command line
   */
  readonly appProps?: AppProps;
  /**
   * A config to use instead of the `-c config=...` file (tests).
   * @default - the `-c config=` file, or the demo config with its schedules disabled without one
   */
  readonly config?: PipelineConfig;
  /**
   * Resolves a relative `-c config=` path.
   * @default process.cwd()
   */
  readonly cwd?: string;
  /**
   * Passed to the PipelineStack (e.g. a project root or Glue script for tests).
   * @default - the PipelineStack's defaults
   */
  readonly pipeline?: Pick<PipelineStackProps, 'projectRoot' | 'glueScriptPath' | 'glueWorkers'>;
  /**
   * The schema lock to check the config against (lib/schema-lock.ts), or false to skip the check.
   * @default - `-c schemaLock=`, else beside the `-c config=` file, else the demo's; none for `config`
   */
  readonly schemaLock?: string | false;
}

export interface PipelineApp {
  readonly app: App;
  readonly config: PipelineConfig;
  /** True when no config was given: the demo config, its schedules disabled. */
  readonly demo: boolean;
  readonly dataLake: DataLakeStack;
  readonly pipeline: PipelineStack;
  /** The config against its schema lock (its `save` writes the lock; bin/app.ts calls it after the synth). */
  readonly schemaLock?: SchemaLockCheck;
}

/** `Medallion<Stage><Part>`, or `<prefix>-Medallion...` when the config sets a name prefix. */
export function stackName(config: PipelineConfig, part: 'DataLake' | 'Pipeline'): string {
  const stage = config.stage.replace(/(^|_)([a-z0-9])/g, (_m, _sep: string, c: string) => c.toUpperCase());
  const base = `Medallion${stage}${part}`;
  return config.storage.namePrefix ? `${config.storage.namePrefix.replace(/_/g, '-')}-${base}` : base;
}

/**
 * Builds the app. Throws PipelineConfigError (every wrong field's path and reason) or ConfigFileError
 * before any construct exists when the config is bad. The stacks are environment-agnostic: synth needs
 * no credentials, no lookups and no network.
 */
export function buildApp(options: BuildAppOptions = {}): PipelineApp {
  const app = new App(options.appProps);
  const fromContext = app.node.tryGetContext(CONFIG_CONTEXT_KEY) as unknown;
  if (fromContext !== undefined && typeof fromContext !== 'string')
    throw new ConfigFileError(JSON.stringify(fromContext), `-c ${CONFIG_CONTEXT_KEY}= takes a file path`);
  const config = options.config ?? loadPipelineConfig(fromContext, options.cwd);
  const schemaLock = lockCheck(app, options, config, fromContext);

  const dataLake = new DataLakeStack(app, 'DataLake', {
    stackName: stackName(config, 'DataLake'),
    description: `Medallion pipeline ${config.stage}: buckets, Glue catalog, state tables, Athena (stateful)`,
    config,
  });
  const pipeline = new PipelineStack(app, 'Pipeline', {
    stackName: stackName(config, 'Pipeline'),
    description: `Medallion pipeline ${config.stage}: functions, state machine, schedules, alarms (stateless)`,
    config,
    dataLake: dataLake.pipelineDataLake,
    ...options.pipeline,
  });
  pipeline.addStackDependency(dataLake);
  // On the app, so every taggable resource of both stacks carries them (and the stacks themselves, for cost allocation).
  // Not the dashboard: aws-cdk-lib would tag it, but CloudFormation's AWS::CloudWatch::Dashboard schema has no Tags (cfn-lint E3002).
  for (const [key, value] of Object.entries(config.tags))
    Tags.of(app).add(key, value, { excludeResourceTypes: ['AWS::CloudWatch::Dashboard'] });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, config, demo: options.config === undefined && !fromContext, dataLake, pipeline, schemaLock };
}

/** The config against its schema lock, before any construct: an incompatible change stops the synth here. */
function lockCheck(app: App, options: BuildAppOptions, config: PipelineConfig, configPath: string | undefined) {
  const lock = options.schemaLock;
  if (lock === false) return undefined;
  const fromContext = app.node.tryGetContext(SCHEMA_LOCK_CONTEXT_KEY) as unknown;
  const path =
    lock ??
    (typeof fromContext === 'string' && fromContext !== '' ? resolve(options.cwd ?? process.cwd(), fromContext) : undefined) ??
    (options.config !== undefined ? undefined : configPath ? schemaLockPath(configPath, options.cwd) : DEMO_SCHEMA_LOCK);
  if (path === undefined) return undefined;
  const accept = app.node.tryGetContext(ACCEPT_SCHEMA_CHANGES_CONTEXT_KEY) as unknown;
  return checkSchemaLock(config, path, { accept: accept === true || accept === 'true' });
}
