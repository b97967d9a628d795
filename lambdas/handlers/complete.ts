// Lambda entry point of the pipeline's Complete: journey COMPLETED, watermarks advanced.
import { completeStep } from '../steps/complete.js';
import { containerRuntime } from './aws-runtime.js';
import { lambdaHandler } from './lambda-handler.js';

export const handler = lambdaHandler('complete', (event) => completeStep(event, containerRuntime()));
