// The consolidation as one SQL statement for Athena (Trino), Spark SQL and DuckDB, with the rules of
// engine.ts: a row_number() window per key ordered by the decision fields (nulls last in either
// direction), then the origin's priority, then every output column ascending with nulls last. That
// last tie-break is a total order all three engines compute identically (strings compare by UTF-8
// bytes in each, which is the TypeScript engine's code point order), so no hash function is needed.
import { type FieldType, PARTITION_COLUMN } from '../config.js';
import type { TableColumn } from '../columnar/types.js';
import { ORIGIN_COLUMN } from '../lake/tables.js';
import type { ConsolidationRules } from './spec.js';
import { ConsolidationInputError } from './errors.js';

export type SqlDialect = 'athena' | 'spark' | 'duckdb';

/**
 * Where an origin's rows come from: a catalog table (filtered on anomesdia) or a raw relation such as
 * read_parquet(...), SQL text the caller quotes. Every identifier the generator writes is quoted, so that
 * a column, table or database named like a keyword (order, select, group) reads as a name everywhere.
 */
export type OriginRelation = { origem: string; columns: string[] } & ({ database: string; table: string } | { relation: string });

export interface ConsolidationSqlSpec extends ConsolidationRules {
  /** Output columns without `origem`, in gold column order. */
  columns: TableColumn[];
  sources: OriginRelation[];
  /** Filters catalog-table origins on this partition. */
  anomesdia?: string;
}

const PRIORITY = '_prioridade_origem';
const ROW_NUMBER = '_rn';

export function quoteIdentifier(name: string, dialect: SqlDialect): string {
  return dialect === 'spark' ? `\`${name.replaceAll('`', '``')}\`` : `"${name.replaceAll('"', '""')}"`;
}

export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export function sqlType(column: { type: FieldType; precision?: number; scale?: number }, dialect: SqlDialect): string {
  switch (column.type) {
    case 'json':
    case 'string':
      return dialect === 'spark' ? 'STRING' : 'VARCHAR';
    case 'integer':
      return 'INTEGER';
    case 'long':
      return 'BIGINT';
    case 'double':
      return 'DOUBLE';
    case 'decimal':
      return `DECIMAL(${column.precision ?? 18},${column.scale ?? 0})`;
    case 'boolean':
      return 'BOOLEAN';
    case 'date':
      return 'DATE';
    case 'timestamp':
      return 'TIMESTAMP';
  }
}

/** The origins' rows as one UNION ALL: output columns (typed nulls where missing), `origem` and its priority. */
function originsUnion(spec: ConsolidationSqlSpec, dialect: SqlDialect, outputs: TableColumn[]): string {
  const q = (name: string) => quoteIdentifier(name, dialect);
  const branches = spec.sources.map((source) => {
    const present = new Set(source.columns);
    const priority = spec.origens.indexOf(source.origem);
    if (priority < 0)
      throw new ConsolidationInputError(`Origin "${source.origem}" is not one of the consolidation's origens (${spec.origens.join(', ')})`);
    const select = outputs.map((c) => (present.has(c.name) ? q(c.name) : `CAST(NULL AS ${sqlType(c, dialect)}) AS ${q(c.name)}`));
    const from = 'relation' in source ? source.relation : `${q(source.database)}.${q(source.table)}`;
    const where =
      'relation' in source || spec.anomesdia === undefined ? '' : ` WHERE ${q(PARTITION_COLUMN)} = ${sqlString(spec.anomesdia)}`;
    return `  SELECT ${[...select, `${sqlString(source.origem)} AS ${q(ORIGIN_COLUMN)}`, `${priority} AS ${q(PRIORITY)}`].join(', ')}\n  FROM ${from}${where}`;
  });
  return branches.join('\n  UNION ALL\n');
}

/** One SELECT returning the consolidated rows (output columns, then `origem`), sorted by key. */
export function consolidationSql(spec: ConsolidationSqlSpec, dialect: SqlDialect): string {
  const q = (name: string) => quoteIdentifier(name, dialect);
  const outputs = spec.columns.filter((c) => c.name !== ORIGIN_COLUMN);
  const keys = spec.chaves_principais.map(q);
  const order = [
    ...spec.campos_decisao.map((d) => `${q(d.campo)} ${d.direcao === 'asc' ? 'ASC' : 'DESC'} NULLS LAST`),
    `${q(PRIORITY)} ASC`,
    ...outputs.map((c) => `${q(c.name)} ASC NULLS LAST`),
  ];
  const columns = [...outputs.map((c) => q(c.name)), q(ORIGIN_COLUMN)].join(', ');
  return [
    `SELECT ${columns}`,
    'FROM (',
    ` SELECT ${columns}, row_number() OVER (PARTITION BY ${keys.join(', ')} ORDER BY ${order.join(', ')}) AS ${q(ROW_NUMBER)}`,
    ' FROM (',
    originsUnion(spec, dialect, outputs),
    ` ) ${q('origens')}`,
    ` WHERE ${keys.map((k) => `${k} IS NOT NULL`).join(' AND ')}`,
    `) ${q('ranked')}`,
    `WHERE ${q(ROW_NUMBER)} = 1`,
    `ORDER BY ${keys.map((k) => `${k} ASC`).join(', ')}`,
  ].join('\n');
}

/** One row `rows_read, rows_invalid`: the origins' rows and those with a null key (which consolidation leaves out). */
export function consolidationCountsSql(spec: ConsolidationSqlSpec, dialect: SqlDialect): string {
  const q = (name: string) => quoteIdentifier(name, dialect);
  const outputs = spec.columns.filter((c) => c.name !== ORIGIN_COLUMN);
  const nullKey = spec.chaves_principais.map((k) => `${q(k)} IS NULL`).join(' OR ');
  return [
    `SELECT count(*) AS ${q('rows_read')}, coalesce(sum(CASE WHEN ${nullKey} THEN 1 ELSE 0 END), 0) AS ${q('rows_invalid')}`,
    'FROM (',
    originsUnion(spec, dialect, outputs),
    `) ${q('origens')}`,
  ].join('\n');
}

/** The rows consolidation leaves out (a null key column), with `origem` and a `reason` naming the null keys. */
export function quarantineSql(spec: ConsolidationSqlSpec, dialect: SqlDialect): string {
  const q = (name: string) => quoteIdentifier(name, dialect);
  const outputs = spec.columns.filter((c) => c.name !== ORIGIN_COLUMN);
  const nullKeys = spec.chaves_principais.map((k) => `CASE WHEN ${q(k)} IS NULL THEN ${sqlString(`"${k}"`)} END`);
  const nullCount = spec.chaves_principais.map((k) => `CASE WHEN ${q(k)} IS NULL THEN 1 ELSE 0 END`).join(' + ');
  // The engine's reason, word for word (engine.ts): `null key column "a"`, `null key columns "a", "b"`.
  const reason = `concat('null key column', CASE WHEN ${nullCount} > 1 THEN 's ' ELSE ' ' END, concat_ws(', ', ${nullKeys.join(', ')}))`;
  return [
    `SELECT ${[...outputs.map((c) => q(c.name)), q(ORIGIN_COLUMN)].join(', ')}, ${reason} AS ${q('reason')}`,
    'FROM (',
    originsUnion(spec, dialect, outputs),
    `) ${q('origens')}`,
    `WHERE ${spec.chaves_principais.map((k) => `${q(k)} IS NULL`).join(' OR ')}`,
  ].join('\n');
}
