// Lambda entry point of the pipeline's Gold tables: keeps a consolidation's current state, history and aggregates.
import { goldTablesStep } from '../steps/gold-tables.js';
import { containerRuntime } from './aws-runtime.js';
import { lambdaHandler } from './lambda-handler.js';

export const handler = lambdaHandler('goldTables', (event) => goldTablesStep(event, containerRuntime()));
