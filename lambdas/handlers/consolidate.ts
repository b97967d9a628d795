// Lambda entry point of the pipeline's Consolidate: the gold partitions of one consolidated table.
import { awsRuntime, lambdaHandler } from './runtime.js';
import { consolidateStep } from './steps.js';

// Clients and adapters are built once per container, not per invocation.
const runtime = awsRuntime(process.env);

export const handler = lambdaHandler('consolidate', (event) => consolidateStep(event, runtime));
