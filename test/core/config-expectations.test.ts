// A source's data-quality expectations in the config: defaults, and every cross-check naming its path.
import { describe, expect, it } from 'vitest';
import { MAX_EXPECTATIONS, parsePipelineConfig } from '../../lambdas/core/config.js';
import { configError } from '../support/configs.js';
import { defaultPipelineConfig } from '../../lambdas/core/default-config.js';
import { ordersConfig } from './quality/support.js';

const raw = ordersConfig;

/** Every issue of the config as `path: message`. */
const issues = (expectations: unknown) => configError(raw(expectations)).issues.map((i) => `${i.path}: ${i.message}`);

describe('expectations in the config', () => {
  it('default to none, and an expectation to warn', () => {
    expect(parsePipelineConfig({ sources: [{ ...raw([]).sources[0], expectations: undefined }] }).sources[0]!.expectations).toEqual([]);
    const [e] = parsePipelineConfig(raw([{ name: 'id_set', not_null: 'id' }])).sources[0]!.expectations;
    expect(e).toEqual({ name: 'id_set', action: 'warn', not_null: 'id' });
  });

  it('takes every rule with the actions each allows', () => {
    const all = [
      { name: 'a', action: 'drop', not_null: 'status' },
      { name: 'b', action: 'drop', unique: ['id', 'day'] },
      { name: 'c', action: 'fail', accepted_values: { field: 'status', values: ['new', 'paid'] } },
      { name: 'd', action: 'drop', range: { field: 'amount', min: '0.00', max: 1000 } },
      { name: 'e', action: 'drop', regex: { field: 'id', pattern: '^o\\d+$' } },
      { name: 'f', action: 'fail', row_count: { previous_day_pct: 30 } },
      { name: 'g', row_count: { min: 1 } },
      { name: 'h', action: 'fail', freshness: { field: 'updated_at', max_age_hours: 26 } },
      { name: 'i', range: { field: 'updated_at', min: '2020-01-01T00:00:00Z' } },
    ];
    expect(parsePipelineConfig(raw(all)).sources[0]!.expectations.map((e) => e.name)).toEqual([
      'a',
      'b',
      'c',
      'd',
      'e',
      'f',
      'g',
      'h',
      'i',
    ]);
  });

  it('needs exactly one rule an expectation, and drop only for a row rule', () => {
    expect(issues([{ name: 'none' }, { name: 'two', not_null: 'id', unique: ['id'] }])).toEqual([
      'sources[0].expectations[0]: expectation "none" needs exactly one rule (not_null, unique, accepted_values, range, regex, row_count, freshness), it has none',
      'sources[0].expectations[1]: expectation "two" needs exactly one rule (not_null, unique, accepted_values, range, regex, row_count, freshness), it has not_null, unique',
    ]);
    expect(
      issues([
        { name: 'few', action: 'drop', row_count: { min: 1 } },
        { name: 'stale', action: 'drop', freshness: { field: 'updated_at', max_age_hours: 1 } },
      ]),
    ).toEqual([
      'sources[0].expectations[0].action: row_count judges the whole partition, not a row, so it cannot drop rows: use warn or fail',
      'sources[0].expectations[1].action: freshness judges the whole partition, not a row, so it cannot drop rows: use warn or fail',
    ]);
  });

  it('names fields the source does not declare, and types a rule does not fit', () => {
    expect(
      issues([
        { name: 'a', not_null: 'nope' },
        { name: 'b', unique: ['id', 'missing'] },
        { name: 'c', regex: { field: 'amount', pattern: 'x' } },
        { name: 'd', range: { field: 'status', min: 1 } },
        { name: 'e', freshness: { field: 'amount', max_age_hours: 1 } },
        { name: 'f', accepted_values: { field: 'meta', values: ['x'] } },
      ]),
    ).toEqual([
      'sources[0].expectations[0].not_null: "nope" is not a field of source "orders"',
      'sources[0].expectations[1].unique[1]: "missing" is not a field of source "orders"',
      'sources[0].expectations[2].regex.field: regex applies to string fields; "amount" is decimal',
      'sources[0].expectations[3].range.field: range applies to integer, long, double, decimal, date, timestamp fields; "status" is string',
      'sources[0].expectations[4].freshness.field: freshness applies to timestamp, date fields; "amount" is decimal',
      'sources[0].expectations[5].accepted_values.field: accepted_values applies to string, integer, long, decimal, boolean, date fields; "meta" is json',
    ]);
  });

  it('checks range bounds by the field type, a regex compiles, names are unique and bounded', () => {
    expect(
      issues([
        { name: 'a', range: { field: 'amount', min: 'ten' } },
        { name: 'b', range: { field: 'updated_at', max: 5 } },
        { name: 'c', range: { field: 'day', min: 'yesterday' } },
        { name: 'd', range: { field: 'amount' } },
        { name: 'e', regex: { field: 'id', pattern: '([a-z' } },
        { name: 'e', not_null: 'id' },
      ]),
    ).toEqual([
      'sources[0].expectations[3].range: give min, max or both',
      'sources[0].expectations[4].regex.pattern: not a valid regular expression: Invalid regular expression: /([a-z/: Unterminated character class',
      'sources[0].expectations[0].range.min: "ten" is not a number',
      'sources[0].expectations[1].range.max: use ISO text (2024-03-14 or 2024-03-14T10:00:00Z) for a timestamp range',
      'sources[0].expectations[2].range.min: use ISO text (2024-03-14 or 2024-03-14T10:00:00Z) for a date range',
      'sources[0].expectations[5].name: expectation "e" is declared twice',
    ]);
    const many = Array.from({ length: MAX_EXPECTATIONS + 1 }, (_, i) => ({ name: `e${i}`, not_null: 'id' }));
    expect(issues(many)).toEqual([`sources[0].expectations: at most ${MAX_EXPECTATIONS} expectations a source`]);
    expect(configError({ sources: [{ ...raw([]).sources[0], name: 'quality_results' }] }).issues).toEqual([
      { path: 'sources[0].name', message: 'quality_results names the silver table of expectation results: rename the source' },
    ]);
    expect(issues([{ name: 'x'.repeat(41), not_null: 'id' }])[0]).toMatch(/^sources\[0\]\.expectations\[0\]\.name: at most 40 characters/);
  });
});

describe('expectations on a gold table in the config', () => {
  const demo = (expectations: unknown[], extra: Record<string, unknown> = {}) => ({
    ...defaultPipelineConfig,
    consolidations: defaultPipelineConfig.consolidations!.map((c) => ({ ...c, expectations, ...extra })),
  });
  const goldIssues = (expectations: unknown[], extra?: Record<string, unknown>) =>
    configError(demo(expectations, extra)).issues.map((i) => `${i.path}: ${i.message}`);

  it("read the gold table's columns (the origins' fields and origem) and are checked as a source's are", () => {
    const ok = parsePipelineConfig(
      demo([
        { name: 'from_sor', accepted_values: { field: 'origem', values: ['sor'] } },
        { name: 'amount', action: 'drop', range: { field: 'vlr_oper', min: '0.00' } },
      ]),
    );
    expect(ok.consolidations[0]!.expectations.map((e) => [e.name, e.action])).toEqual([
      ['from_sor', 'warn'],
      ['amount', 'drop'],
    ]);
    expect(
      goldIssues([
        { name: 'x', not_null: 'nope' },
        { name: 'y', regex: { field: 'vlr_oper', pattern: '^1' } },
        { name: 'x', row_count: { min: 1 } },
      ]),
    ).toEqual([
      'consolidations[0].expectations[0].not_null: "nope" is not a field of gold table db_batch.tbl_processado_operacao_consolidada_n1',
      'consolidations[0].expectations[1].regex.field: regex applies to string fields; "vlr_oper" is decimal',
      'consolidations[0].expectations[2].name: expectation "x" is declared twice',
    ]);
  });

  it('are refused with an output_path, which has no version to hold back', () => {
    expect(goldIssues([{ name: 'x', not_null: 'num_oper' }], { output_path: 's3://b/p/', aggregates: [] })).toEqual([
      'consolidations[0].expectations: expectations hold a partition back before it is published as a version; an output_path is written in place, with no version to hold back: drop one of them',
    ]);
  });
});
