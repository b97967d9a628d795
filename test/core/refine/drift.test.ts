// Schema drift counting: undeclared top-level keys and absent declared fields per field, bounded, merged over
// partitions; the `_extra` cell; and the config's onDrift and keepExtra options.
import { describe, expect, it } from 'vitest';
import { parsePipelineConfig, PipelineConfigError } from '../../../lambdas/core/config.js';
import {
  DriftCounter,
  MAX_DRIFT_FIELDS,
  MAX_DRIFT_NAME_LENGTH,
  describeDrift,
  extraJson,
  mergeDrift,
} from '../../../lambdas/core/refine/drift.js';

const fields = [
  { name: 'id', type: 'string' as const },
  { name: 'status', type: 'string' as const },
  { name: 'customer_id', type: 'string' as const, path: 'customer.id' },
  { name: 'first_sku', type: 'string' as const, path: 'items[0].sku' },
];
const complete = { id: '1', status: 'A', customer: { id: 'c1', name: 'Ana' }, items: [{ sku: 's1' }] };

function countAll(records: Record<string, unknown>[]) {
  const counter = new DriftCounter(fields);
  const undeclared = records.map((r) => counter.count(r));
  return { undeclared, drift: counter.result() };
}

describe('DriftCounter', () => {
  it('counts nothing for records with exactly the declared keys, nested keys under a path left unchecked', () => {
    const { undeclared, drift } = countAll([complete, { ...complete, customer: { id: 'c2', vip: true, extra: 1 } }]);
    expect(undeclared).toEqual([false, false]);
    expect(drift).toBeUndefined();
  });

  it('counts per field the records with an undeclared top-level key and those without a declared field', () => {
    const { undeclared, drift } = countAll([
      { ...complete, coupon: 'X' },
      { ...complete, coupon: 'Y', note: 'n' },
      { id: '3', customer: { id: 'c3' }, items: [{ sku: 's' }] },
      // An explicit null is a value: not missing.
      { ...complete, status: null },
      // A path whose end is absent is missing, though its first key is there.
      { ...complete, customer: { name: 'no id' }, items: [] },
    ]);
    expect(undeclared).toEqual([true, true, false, false, false]);
    expect(drift).toEqual({
      records: 4,
      undeclared: { coupon: 2, note: 1 },
      missing: { status: 1, customer_id: 1, first_sku: 1 },
    });
    expect(describeDrift(drift!)).toBe('undeclared coupon (2), note (1); missing customer_id (1), first_sku (1), status (1)');
  });

  it('counts an undeclared key beside a missing field in the same record once as a record', () => {
    const { drift } = countAll([{ id: '1', customer: { id: 'c' }, items: [{ sku: 's' }], state: 'A' }]);
    expect(drift).toEqual({ records: 1, undeclared: { state: 1 }, missing: { status: 1 } });
  });

  it('counts alike whether a record has the keys of the one before or not (in the same or another order)', () => {
    const extra = { ...complete, coupon: 'X' };
    const reordered = { coupon: 'Y', ...complete };
    const noStatus = { id: '2', customer: { id: 'c' }, items: [{ sku: 's' }] };
    const noSku = { ...complete, items: [] };
    const { undeclared, drift } = countAll([complete, extra, extra, reordered, complete, noStatus, noStatus, complete, noSku, complete]);
    expect(undeclared).toEqual([false, true, true, true, false, false, false, false, false, false]);
    expect(drift).toEqual({ records: 6, undeclared: { coupon: 3 }, missing: { status: 2, first_sku: 1 } });
  });

  it('keeps at most MAX_DRIFT_FIELDS names, cut to MAX_DRIFT_NAME_LENGTH, when a source sends random keys', () => {
    const records = Array.from({ length: 2000 }, (_, i) => {
      const r: Record<string, unknown> = { ...complete };
      for (let k = 0; k < 5; k++) r[`random_${i}_${k}_${'x'.repeat(200)}`] = k;
      return r;
    });
    const { drift } = countAll(records);
    const names = [...Object.keys(drift!.undeclared), ...Object.keys(drift!.missing)];
    expect(names).toHaveLength(MAX_DRIFT_FIELDS);
    expect(Math.max(...names.map((n) => n.length))).toBe(MAX_DRIFT_NAME_LENGTH);
    expect(names[0]!.endsWith('…')).toBe(true);
    expect(drift!.records).toBe(2000);
    // Every field-record is counted: named or in others.
    const named = Object.values(drift!.undeclared).reduce((a, b) => a + b, 0);
    expect(named + drift!.others!).toBe(2000 * 5);
    // Small enough for every refine's step summary and journey step.
    expect(Buffer.byteLength(JSON.stringify(drift))).toBeLessThan(2_000);
  });

  it('merges partitions within the same bound, adding the counts of names both had', () => {
    const a = { records: 3, undeclared: { coupon: 2 }, missing: { status: 1 } };
    const b = { records: 2, undeclared: { coupon: 1, note: 2 }, missing: {}, others: 4 };
    expect(mergeDrift([a, undefined, b])).toEqual({ records: 5, undeclared: { coupon: 3, note: 2 }, missing: { status: 1 }, others: 4 });
    expect(mergeDrift([undefined, undefined])).toBeUndefined();
    const many = Array.from({ length: 3 }, (_, p) => ({
      records: 10,
      undeclared: Object.fromEntries(Array.from({ length: MAX_DRIFT_FIELDS }, (_, i) => [`k${p}_${i}`, 1])),
      missing: {},
    }));
    const merged = mergeDrift(many)!;
    expect(Object.keys(merged.undeclared)).toHaveLength(MAX_DRIFT_FIELDS);
    expect(merged).toMatchObject({ records: 30, others: 2 * MAX_DRIFT_FIELDS });
  });
});

describe('extraJson', () => {
  it("is the record's undeclared top-level keys as JSON with sorted keys at every depth, null when it has none", () => {
    const declared = new DriftCounter(fields).declared;
    expect(extraJson({ ...complete, zeta: { b: 2, a: [1, { d: 1, c: 2 }] }, alpha: null }, declared)).toBe(
      '{"alpha":null,"zeta":{"a":[1,{"c":2,"d":1}],"b":2}}',
    );
    expect(extraJson(complete, declared)).toBeNull();
  });
});

describe('config: onDrift and keepExtra', () => {
  const source = {
    name: 'pedidos',
    kind: 'files',
    fields: [{ name: 'updated_at', type: 'timestamp' }],
    watermarkField: 'updated_at',
  };

  it('takes ignore, warn and fail, and keepExtra as a boolean; both may be left out', () => {
    for (const onDrift of ['ignore', 'warn', 'fail'] as const)
      expect(parsePipelineConfig({ sources: [{ ...source, onDrift, keepExtra: true }] }).sources[0]).toMatchObject({
        onDrift,
        keepExtra: true,
      });
    expect(parsePipelineConfig({ sources: [source] }).sources[0]).not.toHaveProperty('onDrift');
  });

  it('refuses other values, naming each by its path', () => {
    try {
      parsePipelineConfig({ sources: [{ ...source, onDrift: 'error', keepExtra: 'yes' }] });
      expect.unreachable('the config was accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(PipelineConfigError);
      expect((err as PipelineConfigError).issues.map((i) => i.path).sort()).toEqual(['sources[0].keepExtra', 'sources[0].onDrift']);
      expect((err as Error).message).toMatch(/sources\[0\]\.onDrift: .*"ignore"\|"warn"\|"fail"/);
    }
  });
});
