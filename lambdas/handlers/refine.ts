// Lambda entry point of the pipeline's Refine: one source from bronze to typed, validated silver.
import { awsRuntime, lambdaHandler } from './runtime.js';
import { refineStep } from './steps.js';

// Clients and adapters are built once per container, not per invocation.
const runtime = awsRuntime(process.env);

export const handler = lambdaHandler('refine', (event) => refineStep(event, runtime));
