// Lambda entry point of the pipeline's Consolidate: lists a consolidated table's gold partitions, or consolidates one.
import { awsRuntime, lambdaHandler } from './runtime.js';
import { consolidateFunctionStep } from './steps.js';

// Clients and adapters are built once per container, not per invocation.
const runtime = awsRuntime(process.env);

export const handler = lambdaHandler('consolidate', (event) => consolidateFunctionStep(event, runtime));
