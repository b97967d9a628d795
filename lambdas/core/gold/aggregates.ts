// Daily business aggregates of a gold table: their columns, the SQL that computes days of one (Athena and
// DuckDB alike), and the named query that shows the latest day. Refreshing them is refresh-aggregates.ts.
import { PARTITION_COLUMN, physicalName, type AggregateConfig, type ConsolidationConfig, type PipelineConfig } from '../config.js';
import type { TableColumn } from '../columnar/types.js';
import { timestampText } from '../columnar/columns.js';
import { quoteIdentifier, sqlString, sqlType, type SqlDialect } from '../consolidate/sql.js';
import { parseTimestampText } from '../instant.js';
import { goldColumns } from '../lake/tables.js';
import { InvariantError } from '../errors.js';

/** A named query (gold-queries.ts lists these with the gold table's own). */
type GoldNamedQuery = { name: string; description: string; sql: string };

type Measure = AggregateConfig['measures'][number];
type Condition = AggregateConfig['filter'][number];

/** A gold column by name (the config checked that every field an aggregate names is one). */
function goldColumn(columns: readonly TableColumn[], name: string): TableColumn {
  const column = columns.find((c) => c.name === name);
  if (!column) throw new InvariantError(`aggregate field "${name}" is not a gold column; the config should have refused it`);
  return column;
}

/**
 * The aggregate table's columns: the group-by columns as gold has them, then each measure: count and
 * count_distinct long; sum of integer or long long, of decimal(p,s) decimal(38,s), of double double; avg
 * double; min and max the field's own type.
 */
export function aggregateColumns(config: PipelineConfig, consolidation: ConsolidationConfig, aggregate: AggregateConfig): TableColumn[] {
  const gold = goldColumns(config, consolidation);
  return [...aggregate.groupBy.map((g) => goldColumn(gold, g)), ...aggregate.measures.map((m) => measureColumn(gold, m))];
}

function measureColumn(gold: readonly TableColumn[], m: Measure): TableColumn {
  if (m.fn === 'count' || m.fn === 'count_distinct') return { name: m.name, type: 'long' };
  if (m.fn === 'avg') return { name: m.name, type: 'double' };
  const field = goldColumn(gold, m.field!);
  if (m.fn !== 'sum') return { ...field, name: m.name };
  if (field.type === 'decimal') return { name: m.name, type: 'decimal', precision: 38, scale: field.scale ?? 0 };
  return { name: m.name, type: field.type === 'double' ? 'double' : 'long' };
}

/**
 * One SELECT of an aggregate over the gold partitions of `anomesdias`, each day's rows apart: the day's column
 * first, then the group-by columns and the measures; the filter's conditions ANDed, grouped and ordered by the
 * day and the group-by columns (nulls last). One query for a backfill's year rather than one per day: each
 * query binds the gold table's view, which opens every partition's files (locally), and pays Athena's start-up.
 * Every measure is cast to its column's type, so that both engines return the same types: DuckDB sums
 * integers as HUGEINT, Trino as BIGINT. A day without rows gives no row (grouped by the day, there is no
 * group for it), with group-by columns or without.
 */
export function aggregateSql(
  config: PipelineConfig,
  consolidation: ConsolidationConfig,
  aggregate: AggregateConfig,
  anomesdias: readonly string[],
  dialect: SqlDialect,
): string {
  if (anomesdias.length === 0) throw new InvariantError(`aggregate ${aggregate.table}: no ${PARTITION_COLUMN} to compute`);
  const q = (name: string) => quoteIdentifier(name, dialect);
  const gold = goldColumns(config, consolidation);
  const columns = aggregateColumns(config, consolidation, aggregate);
  const day = q(PARTITION_COLUMN);
  const groups = aggregate.groupBy.map(q);
  const measures = aggregate.measures.map((m, i) => {
    const type = sqlType(columns[groups.length + i]!, dialect);
    return `CAST(${measureExpression(m, q)} AS ${type}) AS ${q(m.name)}`;
  });
  const where = [
    `${day} IN (${anomesdias.map(sqlString).join(', ')})`,
    ...aggregate.filter.map((f) => condition(f, goldColumn(gold, f.field), dialect)),
  ];
  return [
    `SELECT ${[day, ...groups, ...measures].join(', ')}`,
    `FROM ${q(physicalName(config, consolidation.database))}.${q(consolidation.tabela_consolidada)}`,
    `WHERE ${where.join(' AND ')}`,
    `GROUP BY ${[day, ...groups].join(', ')}`,
    `ORDER BY ${[`${day} ASC`, ...groups.map((g) => `${g} ASC NULLS LAST`)].join(', ')}`,
  ].join('\n');
}

function measureExpression(m: Measure, q: (name: string) => string): string {
  switch (m.fn) {
    case 'count':
      return m.field === undefined ? 'count(*)' : `count(${q(m.field)})`;
    case 'count_distinct':
      return `count(DISTINCT ${q(m.field!)})`;
    case 'avg':
      // One division of the exact sum (a decimal or an integer) by the count: the same double in both engines
      // and on every run, where avg() of doubles adds in whatever order a parallel engine's threads finish.
      return `CAST(sum(${q(m.field!)}) AS DOUBLE) / NULLIF(count(${q(m.field!)}), 0)`;
    default:
      return `${m.fn}(${q(m.field!)})`;
  }
}

const OPERATORS: Record<Exclude<Condition['op'], 'in' | 'not_in' | 'is_null' | 'is_not_null'>, string> = {
  '=': '=',
  '!=': '<>',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
};

/** A filter condition; a null field meets none but is_null (SQL's rule, in both engines). */
function condition(f: Condition, column: TableColumn, dialect: SqlDialect): string {
  const field = quoteIdentifier(f.field, dialect);
  const values = f.value === undefined ? [] : Array.isArray(f.value) ? f.value : [f.value];
  const literals = values.map((v) => literal(v, column, dialect));
  switch (f.op) {
    case 'is_null':
      return `${field} IS NULL`;
    case 'is_not_null':
      return `${field} IS NOT NULL`;
    case 'in':
      return `${field} IN (${literals.join(', ')})`;
    case 'not_in':
      return `${field} NOT IN (${literals.join(', ')})`;
    default:
      return `${field} ${OPERATORS[f.op]} ${literals[0]}`;
  }
}

/**
 * A config value (checked by the config to fit the column) as a SQL literal of the column's type. Trino
 * compares a timestamp, a date or a decimal with a VARCHAR only after a CAST, which DuckDB takes too; a
 * timestamp is written `YYYY-MM-DD HH:MM:SS.ffffff` (UTC), the text both engines cast, whatever ISO-8601
 * form the config used.
 */
function literal(value: string | number | boolean, column: TableColumn, dialect: SqlDialect): string {
  const text = String(value);
  if (column.type === 'string' || column.type === 'json') return sqlString(text);
  if (column.type === 'boolean') return text.toUpperCase();
  if (column.type !== 'timestamp') return `CAST(${sqlString(text)} AS ${sqlType(column, dialect)})`;
  const micros = parseTimestampText(text, 'UTC');
  if (micros === undefined) throw new InvariantError(`"${text}" is not a timestamp; the config should have refused it`);
  return `CAST(${sqlString(timestampText(micros).slice(0, -1).replace('T', ' '))} AS ${sqlType(column, dialect)})`;
}

/**
 * The named query of each aggregate of a consolidation, `aggregate-<table>`: the latest day's rows in
 * group-by order. `database` is the name the query engine knows (physical in AWS).
 */
export function aggregateNamedQueries(database: string, consolidation: ConsolidationConfig, dialect: SqlDialect): GoldNamedQuery[] {
  const q = (name: string) => quoteIdentifier(name, dialect);
  const day = q(PARTITION_COLUMN);
  return consolidation.aggregates.map((a) => {
    const table = `${q(database)}.${q(a.table)}`;
    const order = a.groupBy.length > 0 ? ` ORDER BY ${a.groupBy.map((g) => `${q(g)} ASC NULLS LAST`).join(', ')}` : '';
    const measures = a.measures.map((m) => (m.field === undefined ? `${m.fn}(*)` : `${m.fn}(${m.field})`)).join(', ');
    return {
      name: `aggregate-${a.table}`,
      description: `The latest ${PARTITION_COLUMN} of ${database}.${a.table}: ${measures} of ${consolidation.tabela_consolidada}${a.groupBy.length > 0 ? ` by ${a.groupBy.join(', ')}` : ''}`,
      sql: `SELECT * FROM ${table} WHERE ${day} = (SELECT max(${day}) FROM ${table})${order};`,
    };
  });
}
