import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { CONFIG_JSON_SCHEMA_PATH, pipelineConfigJsonSchema } from '../../lambdas/core/config-json-schema.js';
import { defaultPipelineConfig } from '../../lambdas/core/default-config.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const committed = JSON.parse(readFileSync(join(ROOT, CONFIG_JSON_SCHEMA_PATH), 'utf8')) as Record<string, unknown>;

function validator() {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats.default(ajv);
  return ajv.compile(committed);
}

describe('the config JSON Schema', () => {
  it('is the one the zod schema generates: run `npm run schema` after changing lambdas/core/config.ts', () => {
    expect(committed).toEqual(pipelineConfigJsonSchema());
  });

  it('accepts the default config and every example, and each example points at it with $schema', () => {
    const validate = validator();
    expect(validate(defaultPipelineConfig), JSON.stringify(validate.errors)).toBe(true);
    const examples = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.json'));
    expect(examples.length).toBeGreaterThanOrEqual(3);
    for (const name of examples) {
      const example = JSON.parse(readFileSync(join(ROOT, 'examples', name), 'utf8')) as { $schema?: string };
      expect(example.$schema, name).toBe(`../${CONFIG_JSON_SCHEMA_PATH}`);
      expect(validate(example), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it('refuses what an editor should flag: an unknown key, a wrong type name, a malformed field path', () => {
    const validate = validator();
    const source = defaultPipelineConfig.sources[0]!;
    const withField = (field: Record<string, unknown>) => ({ ...defaultPipelineConfig, sources: [{ ...source, fields: [field] }] });
    expect(validate({ ...defaultPipelineConfig, stages: 'dev' })).toBe(false);
    expect(validate(withField({ name: 'x', type: 'varchar' }))).toBe(false);
    expect(validate(withField({ name: 'x', type: 'string', path: 'a..b' }))).toBe(false);
    expect(validate(withField({ name: 'x', type: 'json', path: 'items[0]' }))).toBe(true);
  });
});
