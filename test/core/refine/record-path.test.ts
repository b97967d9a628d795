import { describe, expect, it } from 'vitest';
import { parsePipelineConfig, type FieldConfig } from '../../../lambdas/core/config.js';
import { configError } from '../../support/configs.js';
import { defaultPipelineConfig } from '../../../lambdas/core/default-config.js';
import { glueType, parquetSchemaElement } from '../../../lambdas/core/columnar/schema.js';
import { sqlType } from '../../../lambdas/core/consolidate/sql.js';
import { silverColumns } from '../../../lambdas/core/lake/tables.js';
import { compileCoercer } from '../../../lambdas/core/refine/coerce.js';
import { compileFieldReader, pathSteps } from '../../../lambdas/core/refine/record-path.js';

const order = {
  id: 'o-1',
  customer: { id: 'c-9', address: { country: 'PT' }, tags: ['vip', 'new'] },
  items: [
    { sku: 'A-1', qty: 2 },
    { sku: 'B-7', qty: 1 },
  ],
  'odd key': 5,
};

describe('a field path into a nested record', () => {
  it('splits into keys and array indexes', () => {
    expect(pathSteps('customer.address.country')).toEqual(['customer', 'address', 'country']);
    expect(pathSteps('items[1].sku')).toEqual(['items', 1, 'sku']);
    expect(pathSteps('matrix[0][2]')).toEqual(['matrix', 0, 2]);
  });

  it('reads the value at the path, the name without one, and nothing where a step is absent or of the wrong kind', () => {
    const read = (path?: string, name = 'id') => compileFieldReader({ name, path })(order);
    expect(read()).toBe('o-1');
    expect(read('customer.id')).toBe('c-9');
    expect(read('customer.address.country')).toBe('PT');
    expect(read('items[1].sku')).toBe('B-7');
    expect(read('customer.tags[0]')).toBe('vip');
    expect(read('odd key')).toBe(5);
    expect(read('items[5].sku')).toBeUndefined();
    expect(read('customer.id.more')).toBeUndefined();
    // An index reads arrays only, a key objects only.
    expect(read('customer[0]')).toBeUndefined();
    expect(read('items.0.sku')).toBeUndefined();
  });

  it('coerces nested values to their declared types, a missing required one being a missing field', () => {
    const fields: FieldConfig[] = [
      { name: 'customer_id', type: 'string', required: true, path: 'customer.id' },
      { name: 'first_qty', type: 'integer', required: true, path: 'items[0].qty' },
      { name: 'items', type: 'json', required: false },
      { name: 'address', type: 'json', required: false, path: 'customer.address' },
    ];
    const coerce = compileCoercer(fields);
    expect(coerce(order)).toEqual({
      ok: true,
      values: ['c-9', 2, JSON.stringify(order.items), '{"country":"PT"}'],
    });
    expect(coerce({ customer: {}, items: [] })).toEqual({
      ok: false,
      issues: [
        { field: 'customer_id', reason: 'required field is missing' },
        { field: 'first_qty', reason: 'required field is missing' },
      ],
    });
  });

  it('keeps any JSON value of a json field as its JSON text, and a missing one as null', () => {
    const coerce = compileCoercer([{ name: 'x', type: 'json', required: false }]);
    for (const value of [{ a: [1, { b: null }] }, [1, 'two'], 'text', 3.5, false])
      expect(coerce({ x: value })).toEqual({ ok: true, values: [JSON.stringify(value)] });
    expect(coerce({})).toEqual({ ok: true, values: [null] });
  });

  it('stores a json field as a string column: UTF-8 in Parquet, string in the Glue catalog, VARCHAR in SQL', () => {
    const source = parsePipelineConfig(defaultPipelineConfig).sources[0]!;
    source.fields.push({ name: 'payload', type: 'json', required: false, path: 'meta.payload' });
    const column = silverColumns(source).find((c) => c.name === 'payload')!;
    expect(column).toEqual({ name: 'payload', type: 'string' });
    expect(parquetSchemaElement(column)).toMatchObject({ type: 'BYTE_ARRAY', converted_type: 'UTF8' });
    expect(glueType(column)).toBe('string');
    expect(sqlType({ type: 'json' }, 'duckdb')).toBe('VARCHAR');
  });

  it('is checked by the config schema, which refuses a malformed path and a path on the watermark field', () => {
    const config = structuredClone(defaultPipelineConfig);
    // The demo's sources share one fields array: this source gets its own.
    const fields = (config.sources[0]!.fields = structuredClone(config.sources[0]!.fields)) as FieldConfig[];
    fields.push({ name: 'customer_id', type: 'string', required: false, path: 'customer..id' });
    fields.find((f) => f.name === 'updated_at')!.path = 'meta.updated_at';
    expect(configError(config).issues).toEqual([
      { path: 'sources[0].fields[9].path', message: 'use dot-separated keys with optional [index], such as customer.id or items[0].sku' },
      {
        path: 'sources[0].watermarkField',
        message: '"updated_at" has a path (meta.updated_at); the watermarkField is read by name at ingestion: use a top-level field',
      },
    ]);
  });
});
