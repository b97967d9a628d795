// The config's cross-checks of a consolidation's daily aggregates: gold columns, measure types, filter values, names.
import { describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../lambdas/core/config.js';
import { configError, filesSource } from '../support/configs.js';

const ts = { name: 'ts', type: 'timestamp', required: true };
/** Two origins with different fields: the gold columns are their union, then origem. */
function withAggregates(aggregates: unknown[], consolidation: Record<string, unknown> = {}) {
  return {
    sources: [
      filesSource(
        'a',
        [
          { name: 'id', type: 'string' },
          { name: 'amount', type: 'decimal', precision: 18, scale: 2 },
          { name: 'status', type: 'string' },
          { name: 'payload', type: 'json' },
          ts,
        ],
        'ts',
      ),
      filesSource('b', [{ name: 'id', type: 'string' }, { name: 'qty', type: 'integer' }, { name: 'flag', type: 'boolean' }, ts], 'ts'),
    ],
    consolidations: [
      {
        database: 'db_gold',
        tabela_consolidada: 'tbl_ops',
        origens: ['a', 'b'],
        chaves_principais: ['id'],
        campos_decisao: ['ts'],
        aggregates,
        ...consolidation,
      },
    ],
  };
}

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
            { name: 'total', fn: 'sum', field: 'amount' },
            { name: 'mean_qty', fn: 'avg', field: 'qty' },
            { name: 'first_ts', fn: 'min', field: 'ts' },
            { name: 'last_flag', fn: 'max', field: 'flag' },
            { name: 'payloads', fn: 'count_distinct', field: 'payload' },
          ],
          filter: [
            { field: 'status', op: 'in', value: ['ok', 'late'] },
            { field: 'qty', op: '>=', value: 1 },
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
            measures: [{ name: 'total', fn: 'sum', field: 'valor' }],
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
        message: '"valor" is not a column of db_gold.tbl_ops (fields of a, b, or origem)',
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
              { name: 'e', fn: 'sum', field: 'qty' },
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
              { field: 'qty', op: '<', value: [1, 2] },
              { field: 'qty', op: '=' },
              { field: 'status', op: 'in', value: [] },
              { field: 'flag', op: '!=', value: true },
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
