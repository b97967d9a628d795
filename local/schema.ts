// `npm run schema`: writes the config's JSON Schema (schema/pipeline-config.schema.json) from the zod schema.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CONFIG_JSON_SCHEMA_PATH, pipelineConfigJsonSchema } from '../lambdas/core/config-json-schema.js';

const file = fileURLToPath(new URL(`../${CONFIG_JSON_SCHEMA_PATH}`, import.meta.url));
// prettier lays it out afterwards (the npm script runs it); the test compares the parsed JSON.
writeFileSync(file, JSON.stringify(pipelineConfigJsonSchema()));
console.log(`Wrote ${CONFIG_JSON_SCHEMA_PATH}`);
