// The JSON Schema of a pipeline config file, generated from the zod schema so that editors check and
// complete the same fields the pipeline validates (schema/pipeline-config.schema.json holds it).
import { z } from 'zod';
import { PipelineConfigSchema } from './config.js';

/** Where the committed schema lives, relative to the repository root; examples point at it with `$schema`. */
export const CONFIG_JSON_SCHEMA_PATH = 'schema/pipeline-config.schema.json';

/**
 * The schema of what a user writes (zod's input side: defaults may be left out). Cross-field rules (a
 * watermark field that exists, origins that are declared sources) are zod refinements that JSON Schema
 * cannot state: the pipeline checks those at synth and at `npm start`.
 */
export function pipelineConfigJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(PipelineConfigSchema, { io: 'input', target: 'draft-2020-12' }),
    title: 'Medallion pipeline config',
    description: 'A pipeline config file: `npm start -- --config file.json`, `npx cdk deploy --all -c config=file.json`.',
  };
}
