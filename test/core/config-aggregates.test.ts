// The config's cross-checks of a consolidation's daily aggregates: gold columns, measure types, filter values, names.
import { describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../lambdas/core/config.js';
import { opsAggregatesConfig } from '../support/aggregate-config.js';
import { configError } from '../support/configs.js';

const withAggregates = opsAggregatesConfig;

const issues = (raw: unknown) => configError(raw).issues;

describe('aggregate config', () => {
  it('accepts group-by columns, measures and filters on any origin’s fields and on origem, with defaults for groupBy and filter', () => {
    const config = parsePipelineConfig(
      withAggregates([
        {
          table: 'tbl_ops_daily',
          groupBy: ['status', 'origem'],
          measures: [
            { name: 'ops', fn: 'count' },
            { name: 'ids', fn: 'count_distinct', field: 'id' },
            { name: 'total', fn: 'sum', field: 'valor' },
            { name: 'mean_qtd', fn: 'avg', field: 'qtd' },
            { name: 'first_ts', fn: 'min', field: 'ts' },
            { name: 'last_ativo', fn: 'max', field: 'ativo' },
            { name: 'payloads', fn: 'count_distinct', field: 'payload' },
          ],
          filter: [
            { field: 'status', op: 'in', value: ['ok', 'late'] },
            { field: 'qtd', op: '>=', value: 1 },
            { field: 'payload', op: 'is_not_null' },
          ],
        },
        { table: 'tbl_ops_count', measures: [{ name: 'ops', fn: 'count' }] },
      ]),
    );
    const [first, second] = config.consolidations[0]!.aggregates;
    expect(first!.filter).toHaveLength(3);
    expect(second).toEqual({ table: 'tbl_ops_count', groupBy: [], measures: [{ name: 'ops', fn: 'count' }], filter: [] });
  });

  it('refuses columns the gold table does not have, naming the path and the origins', () => {
    expect(
      issues(
        withAggregates([
          {
            table: 'tbl_ops_daily',
            groupBy: ['status', 'canal'],
            measures: [{ name: 'total', fn: 'sum', field: 'preco' }],
            filter: [{ field: 'anomesdia', op: '=', value: '20240119' }],
          },
        ]),
      ),
    ).toEqual([
      {
        path: 'consolidations[0].aggregates[0].groupBy[1]',
        message: '"canal" is not a column of db_gold.tbl_ops (fields of a, b, or origem)',
      },
      {
        path: 'consolidations[0].aggregates[0].measures[0].field',
        message: '"preco" is not a column of db_gold.tbl_ops (fields of a, b, or origem)',
      },
      {
        path: 'consolidations[0].aggregates[0].filter[0].field',
        message: '"anomesdia" is not a column of db_gold.tbl_ops (fields of a, b, or origem)',
      },
    ]);
  });

  it('refuses sum and avg of a non-numeric field and min or max of JSON', () => {
    expect(
      issues(
        withAggregates([
          {
            table: 'tbl_ops_daily',
            measures: [
              { name: 'a', fn: 'sum', field: 'status' },
              { name: 'b', fn: 'avg', field: 'ts' },
              { name: 'c', fn: 'min', field: 'payload' },
              { name: 'd', fn: 'max', field: 'payload' },
              { name: 'e', fn: 'sum', field: 'qtd' },
              { name: 'f', fn: 'max', field: 'status' },
            ],
          },
        ]),
      ),
    ).toEqual([
      {
        path: 'consolidations[0].aggregates[0].measures[0].field',
        message: 'sum needs a numeric field (integer, long, double, decimal); "status" is string',
      },
      {
        path: 'consolidations[0].aggregates[0].measures[1].field',
        message: 'avg needs a numeric field (integer, long, double, decimal); "ts" is timestamp',
      },
      {
        path: 'consolidations[0].aggregates[0].measures[2].field',
        message: 'min does not order JSON text; "payload" is json: use count or count_distinct',
      },
      {
        path: 'consolidations[0].aggregates[0].measures[3].field',
        message: 'max does not order JSON text; "payload" is json: use count or count_distinct',
      },
    ]);
  });

  it('refuses a filter value that does not fit its operator', () => {
    expect(
      issues(
        withAggregates([
          {
            table: 'tbl_ops_daily',
            measures: [{ name: 'ops', fn: 'count' }],
            filter: [
              { field: 'status', op: 'in', value: 'ok' },
              { field: 'status', op: 'not_in' },
              { field: 'status', op: 'is_null', value: 'x' },
              { field: 'qtd', op: '<', value: [1, 2] },
              { field: 'qtd', op: '=' },
              { field: 'status', op: 'in', value: [] },
              { field: 'ativo', op: '!=', value: true },
            ],
          },
        ]),
      ),
    ).toEqual([
      { path: 'consolidations[0].aggregates[0].filter[0].value', message: 'in needs an array value, e.g. ["a", "b"]' },
      { path: 'consolidations[0].aggregates[0].filter[1].value', message: 'not_in needs an array value, e.g. ["a", "b"]' },
      { path: 'consolidations[0].aggregates[0].filter[2].value', message: 'is_null takes no value' },
      { path: 'consolidations[0].aggregates[0].filter[3].value', message: '< needs one value (a string, number or boolean)' },
      { path: 'consolidations[0].aggregates[0].filter[4].value', message: '= needs one value (a string, number or boolean)' },
      { path: 'consolidations[0].aggregates[0].filter[5].value', message: 'in needs at least one value' },
    ]);
  });

  it('refuses a filter value of another type than its field, naming the form it takes', () => {
    expect(
      issues(
        withAggregates([
          {
            table: 'tbl_ops_daily',
            measures: [{ name: 'ops', fn: 'count' }],
            filter: [
              { field: 'qtd', op: '=', value: 1.5 },
              { field: 'ativo', op: '=', value: 'true' },
              { field: 'ts', op: '>=', value: 'yesterday' },
              { field: 'valor', op: 'in', value: [1, '2.50', 'x'] },
              { field: 'status', op: '=', value: 3 },
              { field: 'ts', op: '<', value: '2024-01-19T03:00:00-03:00' },
              { field: 'valor', op: '>', value: '-12.5' },
            ],
          },
        ]),
      ),
    ).toEqual([
      { path: 'consolidations[0].aggregates[0].filter[0].value', message: '"qtd" is integer: 1.5 is not an integer' },
      { path: 'consolidations[0].aggregates[0].filter[1].value', message: '"ativo" is boolean: "true" is not true or false' },
      {
        path: 'consolidations[0].aggregates[0].filter[2].value',
        message: '"ts" is timestamp: "yesterday" is not an ISO-8601 instant, "2024-01-19T03:00:00Z"',
      },
      { path: 'consolidations[0].aggregates[0].filter[3].value', message: '"valor" is decimal: "x" is not a number (or its exact text)' },
      { path: 'consolidations[0].aggregates[0].filter[4].value', message: '"status" is string: 3 is not a string' },
    ]);
  });

  it('refuses measure names declared twice or taken by a group-by column or anomesdia, a column grouped twice, and a measure without its field', () => {
    expect(
      issues(
        withAggregates([
          {
            table: 'tbl_ops_daily',
            groupBy: ['status', 'status'],
            measures: [
              { name: 'ops', fn: 'count' },
              { name: 'ops', fn: 'count_distinct', field: 'id' },
              { name: 'status', fn: 'count' },
              { name: 'anomesdia', fn: 'max', field: 'ts' },
              { name: 'total', fn: 'sum' },
            ],
          },
        ]),
      ),
    ).toEqual([
      { path: 'consolidations[0].aggregates[0].measures[4].field', message: 'name the measured field' },
      { path: 'consolidations[0].aggregates[0].groupBy[1]', message: '"status" is grouped by twice' },
      { path: 'consolidations[0].aggregates[0].measures[1].name', message: 'measure "ops" is declared twice' },
      { path: 'consolidations[0].aggregates[0].measures[2].name', message: 'measure "status" is a groupBy column: name it otherwise' },
      {
        path: 'consolidations[0].aggregates[0].measures[3].name',
        message: 'measure "anomesdia" is the partition column: name it otherwise',
      },
    ]);
  });

  it('refuses aggregates on a consolidation that writes only to an output_path, and an aggregate table named like another table of it', () => {
    const found = issues(
      withAggregates([{ table: 'tbl_ops', measures: [{ name: 'ops', fn: 'count' }] }], { output_path: 's3://elsewhere/ops/' }),
    );
    expect(found).toContainEqual({
      path: 'consolidations[0].aggregates',
      message: 'aggregates read the gold table from the catalog, which an output_path leaves alone: drop one of them',
    });
    expect(found).toContainEqual({
      path: 'consolidations[0].aggregates[0].table',
      message: 'table "tbl_ops" is already tabela_consolidada of this consolidation',
    });
  });
});
