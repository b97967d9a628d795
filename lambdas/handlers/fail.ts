// Lambda entry point of the pipeline's Fail: marks the journey FAILED with the error.
import { awsRuntime, lambdaHandler } from './runtime.js';
import { failStep } from './steps.js';

// Clients and adapters are built once per container, not per invocation.
const runtime = awsRuntime(process.env);

export const handler = lambdaHandler('fail', (event) => failStep(event, runtime));
