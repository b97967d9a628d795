// Lambda entry point of the pipeline's Consolidate: lists a consolidated table's gold partitions, or consolidates one.
import { consolidateFunctionStep } from '../steps/consolidate.js';
import { containerRuntime } from './aws-runtime.js';
import { lambdaHandler } from './lambda-handler.js';

export const handler = lambdaHandler('consolidate', (event) => consolidateFunctionStep(event, containerRuntime()));
