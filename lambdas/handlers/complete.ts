// Lambda entry point of the pipeline's Complete: journey COMPLETED, watermarks advanced.
import { awsRuntime, lambdaHandler } from './runtime.js';
import { completeStep } from './steps.js';

// Clients and adapters are built once per container, not per invocation.
const runtime = awsRuntime(process.env);

export const handler = lambdaHandler('complete', (event) => completeStep(event, runtime));
