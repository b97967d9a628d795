// Lambda entry point of the pipeline's Refine: one source from bronze to typed, validated silver.
import { refineStep } from '../steps/refine.js';
import { containerRuntime } from './aws-runtime.js';
import { lambdaHandler } from './lambda-handler.js';

export const handler = lambdaHandler('refine', (event) => refineStep(event, containerRuntime()));
