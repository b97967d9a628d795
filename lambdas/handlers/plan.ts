// Lambda entry point of the pipeline's Plan: validates the execution input, computes the window and begins the journey.
import { awsRuntime, lambdaHandler } from './runtime.js';
import { planStep } from './steps.js';

// Clients and adapters are built once per container, not per invocation.
const runtime = awsRuntime(process.env);

export const handler = lambdaHandler('plan', (event) => planStep(event, runtime));
