// Lambda entry point of the pipeline's Ingest: one source window into bronze.
import { awsRuntime, lambdaHandler } from './runtime.js';
import { ingestStep } from './steps.js';

// Clients and adapters are built once per container, not per invocation.
const runtime = awsRuntime(process.env);

export const handler = lambdaHandler('ingest', (event) => ingestStep(event, runtime));
