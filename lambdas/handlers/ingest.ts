// Lambda entry point of the pipeline's Ingest: one source window into bronze.
import { ingestStep } from '../steps/ingest.js';
import { containerRuntime } from './aws-runtime.js';
import { lambdaHandler } from './lambda-handler.js';

export const handler = lambdaHandler('ingest', (event) => ingestStep(event, containerRuntime()));
