// Lambda entry point of the pipeline's Fail: marks the journey FAILED with the error.
import { failStep } from '../steps/fail.js';
import { containerRuntime } from './aws-runtime.js';
import { lambdaHandler } from './lambda-handler.js';

export const handler = lambdaHandler('fail', (event) => failStep(event, containerRuntime()));
