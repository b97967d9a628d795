// Lambda entry point of the file-drop trigger: SQS batches of bronze "Object Created" events start file-drop executions.
import { SFNClient } from '@aws-sdk/client-sfn';
import { StepFunctionsExecutionStarter } from '../adapters/aws/sfn-execution-starter.js';
import { fileDropTriggerStep } from '../steps/file-drop-trigger.js';
import { bundledConfig } from './aws-runtime.js';
import { ENV, requireEnv } from './env.js';
import { lambdaHandler } from './lambda-handler.js';

let deps: Parameters<typeof fileDropTriggerStep>[1] | undefined;

export const handler = lambdaHandler('fileDropTrigger', (event) => {
  // Built on the first call, once per container: the environment is the deployed function's.
  deps ??= {
    config: bundledConfig(),
    starter: new StepFunctionsExecutionStarter(new SFNClient({}), requireEnv(process.env, ENV.stateMachineArn)),
  };
  return fileDropTriggerStep(event, deps);
});
