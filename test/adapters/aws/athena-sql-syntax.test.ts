// The SQL the pipeline sends to Athena and to the Glue job, parsed by an independent parser: sqlglot (Debian's
// python3-sqlglot), in the dialect each engine speaks. DuckDB runs the DuckDB dialect of the same statements in
// their own tests; no Athena or Spark runs here, so this is what checks the other dialects' syntax: the state
// tables' Iceberg DDL (Hive) and MERGE (Trino), the aggregates, every named query of the workgroup as the
// template declares it, and the consolidation, count and quarantine SQL of a Glue run (Spark).
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { findSource, parsePipelineConfig, type PipelineConfig } from '../../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../../lambdas/core/default-config.js';
import {
  consolidationCountsSql,
  consolidationSql,
  quarantineSql,
  type ConsolidationSqlSpec,
} from '../../../lambdas/core/consolidate/sql.js';
import { aggregateSql } from '../../../lambdas/core/gold/aggregates.js';
import { goldStateSpec } from '../../../lambdas/core/gold/gold-state.js';
import {
  addColumnsSql,
  createStateTableSql,
  currentStateColumns,
  historyColumns,
  mergeCurrentStateSql,
  mergeHistorySql,
} from '../../../lambdas/core/gold/state-sql.js';
import { silverTable } from '../../../lambdas/core/lake/layout.js';
import { goldColumns, ORIGIN_COLUMN } from '../../../lambdas/core/lake/tables.js';
import { DataLakeStack } from '../../../lib/data-lake-stack.js';
import { FAST_APP } from '../../lib/cdk-fixtures.js';
import { opsAggregatesConfig } from '../../support/aggregate-config.js';
import { ensureSqlglot, parseWithSqlglot, type SqlStatement } from '../../support/sqlglot.js';

const DAYS = ['20240118', '20240119'];
const demo = parsePipelineConfig(defaultPipelineConfig);
/** The demo consolidation with deletes from change data: the MERGEs' delete branches. */
const withDeletes = parsePipelineConfig({
  ...defaultPipelineConfig,
  consolidations: defaultPipelineConfig.consolidations!.map((c) => ({
    ...c,
    deleteMarker: { field: 'des_stat_oper', values: ['EXCLUIDA'] },
  })),
});
/** Aggregates over every field type, with every filter operator. */
const ops = parsePipelineConfig(
  opsAggregatesConfig([
    {
      table: 'tbl_ops_diario',
      groupBy: ['status', 'moeda', 'dia', 'ativo'],
      measures: [
        { name: 'n', fn: 'count' },
        { name: 'clientes', fn: 'count_distinct', field: 'cliente' },
        { name: 'total', fn: 'sum', field: 'valor' },
        { name: 'medio', fn: 'avg', field: 'valor' },
        { name: 'qtd_max', fn: 'max', field: 'qtd' },
        { name: 'taxa_min', fn: 'min', field: 'taxa' },
        { name: 'primeiro', fn: 'min', field: 'ts' },
      ],
      filter: [
        { field: 'ts', op: '>=', value: '2024-01-19T00:00:00Z' },
        { field: 'ts', op: '<', value: '2024-01-20T00:00:00Z' },
        { field: 'valor', op: 'in', value: [1, '2.5'] },
        { field: 'status', op: 'not_in', value: ["it's", 'x'] },
        { field: 'qtd', op: '>', value: 0 },
        { field: 'qtd', op: '<=', value: 10 },
        { field: 'moeda', op: '!=', value: 'XXX' },
        { field: 'dia', op: '=', value: '2024-01-19' },
        { field: 'ativo', op: 'is_not_null' },
        { field: 'payload', op: 'is_null' },
      ],
    },
  ]),
);

/** The Gold tables step's statements for a config's consolidations: DDL in Hive's dialect, MERGE in Trino's. */
function stateStatements(config: PipelineConfig, label: string): SqlStatement[] {
  return config.consolidations.flatMap((c) => {
    const spec = goldStateSpec(config, c);
    const current = { database: spec.gold.database, table: `${c.tabela_consolidada}_current` };
    const history = { database: spec.gold.database, table: `${c.tabela_consolidada}_history` };
    const ddl = [
      ...createStateTableSql(current, currentStateColumns(spec), 's3://gold/db/current/', 'athena'),
      ...createStateTableSql(history, historyColumns(spec), 's3://gold/db/history/', 'athena'),
      ...addColumnsSql(history, historyColumns(spec).slice(0, 3), 'athena'),
    ];
    return [
      ...ddl.map((sql, i): SqlStatement => ({ name: `${label} DDL ${i}`, dialect: 'hive', sql })),
      { name: `${label} MERGE current`, dialect: 'trino', sql: mergeCurrentStateSql(spec, current, DAYS, 'athena') },
      { name: `${label} MERGE history`, dialect: 'trino', sql: mergeHistorySql(spec, history, DAYS, 'athena') },
    ];
  });
}

function aggregateStatements(config: PipelineConfig, label: string): SqlStatement[] {
  return config.consolidations.flatMap((c) =>
    c.aggregates.map((a): SqlStatement => ({
      name: `${label} aggregate ${a.table}`,
      dialect: 'trino',
      sql: aggregateSql(config, c, a, DAYS, 'athena'),
    })),
  );
}

/** What a Glue run of each consolidation is handed (consolidate-table.ts, handOffToGlue): Spark SQL. */
function glueStatements(config: PipelineConfig, label: string): SqlStatement[] {
  return config.consolidations.flatMap((c) => {
    const spec: ConsolidationSqlSpec = {
      origens: c.origens,
      chaves_principais: c.chaves_principais,
      campos_decisao: c.campos_decisao,
      columns: goldColumns(config, c).filter((col) => col.name !== ORIGIN_COLUMN),
      sources: c.origens.map((origem) => {
        const table = silverTable(config, findSource(config, origem));
        return { origem, database: table.database, table: table.name, columns: table.columns.map((col) => col.name) };
      }),
      anomesdia: DAYS[1],
    };
    return [
      { name: `${label} Glue consolidation`, dialect: 'spark', sql: consolidationSql(spec, 'spark') },
      { name: `${label} Glue counts`, dialect: 'spark', sql: consolidationCountsSql(spec, 'spark') },
      { name: `${label} Glue quarantine`, dialect: 'spark', sql: quarantineSql(spec, 'spark') },
    ];
  });
}

/** Every named query of the workgroup, as the data-lake template declares it. */
function namedQueryStatements(config: PipelineConfig, label: string): SqlStatement[] {
  const app = new App(FAST_APP);
  const stack = new DataLakeStack(app, `Lake${label}`, { config });
  return Object.values(Template.fromStack(stack).findResources('AWS::Athena::NamedQuery')).map((q): SqlStatement => ({
    name: `${label} named query ${q.Properties.Name}`,
    dialect: 'trino',
    sql: q.Properties.QueryString as string,
  }));
}

describe('the Athena and Glue SQL, parsed by sqlglot', () => {
  beforeAll(() => ensureSqlglot(), 300_000);

  it('parses every statement in its engine’s dialect', () => {
    const statements = [
      ...stateStatements(demo, 'demo'),
      ...stateStatements(withDeletes, 'deletes'),
      ...aggregateStatements(demo, 'demo'),
      ...aggregateStatements(ops, 'ops'),
      ...glueStatements(demo, 'demo'),
      ...glueStatements(ops, 'ops'),
      ...namedQueryStatements(demo, 'demo'),
    ];
    const { version, results } = parseWithSqlglot(statements);
    expect(version).toMatch(/^\d+\./);
    expect(results.filter((r) => r.error)).toEqual([]);
    // Each statement is read as the kind it is, one statement each.
    const kinds = Object.fromEntries(results.map((r) => [r.name, r.kinds!.join(',')]));
    expect(Object.values(kinds).every((k) => !k.includes(','))).toBe(true);
    expect(kinds['demo MERGE current']).toBe('Merge');
    expect(kinds['deletes MERGE history']).toBe('Merge');
    expect(kinds['demo DDL 0']).toBe('Create');
    expect(Object.entries(kinds).filter(([name]) => name.includes(' DDL ') && kinds[name] === 'AlterTable')).toHaveLength(2);
    expect(kinds['ops aggregate tbl_ops_diario']).toBe('Select');
    expect(kinds['demo Glue consolidation']).toBe('Select');
    expect(results.filter((r) => r.name.startsWith('demo named query'))).toHaveLength(10);
  });

  it('is a check that fails: a statement broken in one place, or in another dialect’s quoting, is refused', () => {
    const demoState = stateStatements(demo, 'demo');
    const merge = demoState.find((s) => s.name === 'demo MERGE current')!;
    const create = demoState.find((s) => s.name === 'demo DDL 0')!;
    const broken: SqlStatement[] = [
      { ...merge, name: 'a parenthesis short', sql: merge.sql.replace(')', '') },
      { ...merge, name: 'a MERGE without its WHEN clauses', sql: merge.sql.slice(0, merge.sql.indexOf('WHEN')) },
      // Hive reads a double-quoted name as a string: Athena's DDL must quote with backticks, as the generator does.
      { ...create, name: 'the DDL with Trino quotes', sql: create.sql.replaceAll('`', '"') },
      { name: 'an unfinished WHERE', dialect: 'trino', sql: 'SELECT "a" FROM "t" WHERE' },
    ];
    const { results } = parseWithSqlglot(broken);
    expect(results.map((r) => [r.name, typeof r.error])).toEqual(broken.map((b) => [b.name, 'string']));
  });
});
