// Lambda entry point of the pipeline's Plan: validates the execution input, computes the window and begins the journey.
import { planStep } from '../steps/plan.js';
import { containerRuntime } from './aws-runtime.js';
import { lambdaHandler } from './lambda-handler.js';

export const handler = lambdaHandler('plan', (event) => planStep(event, containerRuntime()));
