// The SQL that keeps a consolidation's current-state and SCD type 2 history tables, for Athena (Iceberg tables
// changed by MERGE INTO) and DuckDB (the local twin): one generator, the dialects' differences keyed here only.
//
// Each run recomputes, from every gold partition, the rows of the keys its partitions touch: the keys in the
// partitions it (re)published and the keys whose current row (or one of whose versions) came from one of them.
// So a partition rebuilt with worse or fewer rows corrects the state instead of leaving it ahead of gold. One
// MERGE then makes the target equal to what was recomputed for those keys: deletes the rows no longer wanted,
// updates the rows that differ, inserts the new ones; a rerun finds nothing to change.
import { PARTITION_COLUMN, type FieldType } from '../config.js';
import type { TableColumn } from '../columnar/types.js';
import { consolidationSql, quoteIdentifier, sqlString, sqlType, type OriginRelation, type SqlDialect } from '../consolidate/sql.js';
import type { ConsolidationRules } from '../consolidate/spec.js';
import { ORIGIN_COLUMN } from '../lake/tables.js';
import { GoldStateInputError } from './errors.js';

export type DeleteMarker = { field: string; values: readonly (string | number | boolean)[] };

/** A table by its catalog names (the physical database, with the stage's prefix). */
export interface TableName {
  database: string;
  table: string;
}

export interface GoldStateSpec extends ConsolidationRules {
  gold: TableName;
  /** The gold table's columns (fields, then `origem`), without `anomesdia`. */
  columns: readonly TableColumn[];
  deleteMarker?: DeleteMarker;
}

export const VALID_FROM = 'valid_from';
export const VALID_TO = 'valid_to';
export const IS_CURRENT = 'is_current';
/** The day of the event that closed a version (the next version, or a delete): a rebuild of that day reopens it. */
export const CLOSED_IN = 'valid_to_anomesdia';

const PRIORITY = '_prioridade_origem';
const PRESENT = '_present';

/** The current-state table's columns: the gold columns, then the day each row won from. */
export function currentStateColumns(spec: Pick<GoldStateSpec, 'columns'>): TableColumn[] {
  return [...spec.columns.filter((c) => c.name !== PARTITION_COLUMN), { name: PARTITION_COLUMN, type: 'string' }];
}

/** The history table's columns: the current state's, then valid_from and valid_to (typed as the first decision field), is_current, valid_to_anomesdia. */
export function historyColumns(spec: Pick<GoldStateSpec, 'columns' | 'campos_decisao'>): TableColumn[] {
  const first = spec.campos_decisao[0]!.campo;
  const since = spec.columns.find((c) => c.name === first);
  if (!since) throw new GoldStateInputError(`The first decision field "${first}" is not a gold column`);
  const typed = { ...since };
  return [
    ...currentStateColumns(spec),
    { ...typed, name: VALID_FROM },
    { ...typed, name: VALID_TO },
    { name: IS_CURRENT, type: 'boolean' },
    { name: CLOSED_IN, type: 'string' },
  ];
}

/** A column type as Athena's DDL (Hive) spells it for an Iceberg table. */
function athenaDdlType(column: { type: FieldType; precision?: number; scale?: number }): string {
  switch (column.type) {
    case 'json':
    case 'string':
      return 'string';
    case 'integer':
      return 'int';
    case 'decimal':
      return `decimal(${column.precision ?? 18},${column.scale ?? 0})`;
    default:
      return sqlType(column, 'athena').toLowerCase();
  }
}

/** Athena's DDL is Hive's: identifiers in backticks. Its DML (MERGE, SELECT) is Trino's: double quotes. */
const ddlName = (name: string, dialect: SqlDialect) => quoteIdentifier(name, dialect === 'athena' ? 'spark' : dialect);
const ddlTable = (t: TableName, dialect: SqlDialect) => `${ddlName(t.database, dialect)}.${ddlName(t.table, dialect)}`;
const dmlTable = (t: TableName, dialect: SqlDialect) => `${quoteIdentifier(t.database, dialect)}.${quoteIdentifier(t.table, dialect)}`;

/**
 * The statements that create the table when absent: in Athena an Iceberg table at `location` (never a
 * CloudFormation AWS::Glue::Table, whose updates drop the Iceberg properties); in DuckDB a table in its schema.
 */
export function createStateTableSql(target: TableName, columns: readonly TableColumn[], location: string, dialect: SqlDialect): string[] {
  const defs = columns.map((c) => `${ddlName(c.name, dialect)} ${dialect === 'athena' ? athenaDdlType(c) : sqlType(c, dialect)}`);
  if (dialect === 'athena')
    return [
      `CREATE TABLE IF NOT EXISTS ${ddlTable(target, dialect)} (${defs.join(', ')}) LOCATION ${sqlString(location)} ` +
        `TBLPROPERTIES ('table_type' = 'ICEBERG', 'format' = 'parquet', 'write_compression' = 'zstd')`,
    ];
  return [
    `CREATE SCHEMA IF NOT EXISTS ${ddlName(target.database, dialect)}`,
    `CREATE TABLE IF NOT EXISTS ${ddlTable(target, dialect)} (${defs.join(', ')})`,
  ];
}

/**
 * One row per column of the table, its name in `column`. Athena: SHOW COLUMNS, which reads only the table from
 * Glue (information_schema would list the whole catalog, with rights to match) and pads names with spaces.
 */
export function stateTableColumnsSql(target: TableName, dialect: SqlDialect): { sql: string; column: string } {
  if (dialect === 'athena') return { sql: `SHOW COLUMNS IN ${ddlTable(target, dialect)}`, column: 'field' };
  return {
    sql: `SELECT column_name FROM information_schema.columns WHERE table_schema = ${sqlString(target.database)} AND table_name = ${sqlString(target.table)} ORDER BY ordinal_position`,
    column: 'column_name',
  };
}

/** The statements adding columns the table lacks (a field added to the gold table since). */
export function addColumnsSql(target: TableName, columns: readonly TableColumn[], dialect: SqlDialect): string[] {
  if (columns.length === 0) return [];
  if (dialect === 'athena')
    return [
      `ALTER TABLE ${ddlTable(target, dialect)} ADD COLUMNS (${columns.map((c) => `${ddlName(c.name, dialect)} ${athenaDdlType(c)}`).join(', ')})`,
    ];
  return columns.map((c) => `ALTER TABLE ${ddlTable(target, dialect)} ADD COLUMN ${ddlName(c.name, dialect)} ${sqlType(c, dialect)}`);
}

/** A SQL literal of `value` for a column of type `type`. */
function literal(value: string | number | boolean, type: FieldType): string {
  if (type === 'boolean') return value === true || value === 'true' ? 'TRUE' : 'FALSE';
  if (type === 'integer' || type === 'long' || type === 'double' || type === 'decimal') {
    const text = String(value);
    if (!/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text))
      throw new GoldStateInputError(`Delete marker value ${JSON.stringify(value)} is not a number`);
    return type === 'decimal' ? `CAST(${sqlString(text)} AS DECIMAL(38,18))` : text;
  }
  return sqlString(String(value));
}

/** True when the row is a delete event: its marker column holds one of the marker's values (a null marker is no delete). */
export function deletedCondition(
  spec: Pick<GoldStateSpec, 'columns' | 'deleteMarker'>,
  dialect: SqlDialect,
  alias?: string,
): string | undefined {
  const marker = spec.deleteMarker;
  if (!marker) return undefined;
  const column = spec.columns.find((c) => c.name === marker.field);
  if (!column) throw new GoldStateInputError(`The delete marker field "${marker.field}" is not a gold column`);
  const ref = `${alias ? `${quoteIdentifier(alias, dialect)}.` : ''}${quoteIdentifier(marker.field, dialect)}`;
  return `coalesce(${ref} IN (${marker.values.map((v) => literal(v, column.type)).join(', ')}), FALSE)`;
}

const inList = (days: readonly string[]) => `(${days.map(sqlString).join(', ')})`;

function checkDays(days: readonly string[]): void {
  if (days.length === 0) throw new GoldStateInputError('No anomesdia to update the state for');
  for (const d of days) if (!/^\d{8}$/.test(d)) throw new GoldStateInputError(`anomesdia "${d}" is not yyyymmdd`);
}

/**
 * The keys the run's partitions touch: in those gold partitions, or in target rows whose content came from them
 * (`dayColumns`: the row's own day, and for history the day of the event that closed it). `orphans` adds the
 * gold keys the target lacks: with deletes, a key is absent because a delete won, and a rebuilt partition that
 * no longer holds that delete must bring it back, though no target row names the partition.
 */
function touchedKeysCte(
  spec: GoldStateSpec,
  target: TableName,
  days: readonly string[],
  dayColumns: readonly string[],
  orphans: boolean,
  dialect: SqlDialect,
): string {
  const q = (name: string) => quoteIdentifier(name, dialect);
  const keys = spec.chaves_principais.map(q).join(', ');
  const gold = dmlTable(spec.gold, dialect);
  const lines = [
    `${q('touched')} AS (`,
    `  SELECT ${keys} FROM ${gold} WHERE ${q(PARTITION_COLUMN)} IN ${inList(days)}`,
    '  UNION',
    `  SELECT ${keys} FROM ${dmlTable(target, dialect)} WHERE ${dayColumns.map((c) => `${q(c)} IN ${inList(days)}`).join(' OR ')}`,
  ];
  if (orphans) {
    const on = spec.chaves_principais.map((k) => `${q('g')}.${q(k)} = ${q('c')}.${q(k)}`).join(' AND ');
    lines.push(
      '  UNION',
      `  SELECT ${spec.chaves_principais.map((k) => `${q('g')}.${q(k)}`).join(', ')} FROM ${gold} ${q('g')} LEFT JOIN ${dmlTable(target, dialect)} ${q('c')} ON ${on} WHERE ${q('c')}.${q(spec.chaves_principais[0]!)} IS NULL`,
    );
  }
  return [...lines, ')'].join('\n');
}

/** Each origin's gold rows of the touched keys, every partition, as the consolidation generator's sources. */
function touchedGoldSources(spec: GoldStateSpec, names: string[], dialect: SqlDialect): OriginRelation[] {
  const q = (name: string) => quoteIdentifier(name, dialect);
  const on = spec.chaves_principais.map((k) => `${q('g')}.${q(k)} = ${q('tk')}.${q(k)}`).join(' AND ');
  return spec.origens.map((origem, i) => ({
    origem,
    columns: names,
    relation: `(SELECT ${q('g')}.* FROM ${dmlTable(spec.gold, dialect)} ${q('g')} JOIN ${q('touched')} ${q('tk')} ON ${on} WHERE ${q('g')}.${q(ORIGIN_COLUMN)} = ${sqlString(origem)}) ${q(`gold_${i}`)}`,
  }));
}

/**
 * The statement that brings the target's rows of the touched keys to `desired`: the source is the desired rows
 * (present) and the target rows in scope that are not desired any more (absent, to delete), matched on `identity`.
 */
function syncMergeSql(
  target: TableName,
  columns: readonly TableColumn[],
  identity: readonly string[],
  ctes: string[],
  keys: readonly string[],
  dialect: SqlDialect,
): string {
  const q = (name: string) => quoteIdentifier(name, dialect);
  const ref = (alias: string, name: string) => `${q(alias)}.${q(name)}`;
  const idSet = new Set(identity);
  const stale = columns.map((c) => (idSet.has(c.name) ? ref('e', c.name) : `CAST(NULL AS ${sqlType(c, dialect)}) AS ${q(c.name)}`));
  const scopeOn = keys.map((k) => `${ref('t0', k)} = ${ref('tk', k)}`).join(' AND ');
  const source = [
    `WITH ${ctes.join(',\n')}`,
    `SELECT ${[...columns.map((c) => ref('d', c.name)), `TRUE AS ${q(PRESENT)}`].join(', ')} FROM ${q('desired')} ${q('d')}`,
    'UNION ALL',
    `SELECT ${[...stale, `FALSE AS ${q(PRESENT)}`].join(', ')}`,
    `FROM (SELECT ${identity.map((c) => ref('t0', c)).join(', ')} FROM ${dmlTable(target, dialect)} ${q('t0')} JOIN ${q('touched')} ${q('tk')} ON ${scopeOn}) ${q('e')}`,
    `LEFT JOIN ${q('desired')} ${q('d')} ON ${identity.map((c) => `${ref('e', c)} = ${ref('d', c)}`).join(' AND ')}`,
    `WHERE ${ref('d', identity[0]!)} IS NULL`,
  ].join('\n');
  const updated = columns.filter((c) => !idSet.has(c.name));
  const differs = updated.map((c) => `${ref('t', c.name)} IS DISTINCT FROM ${ref('s', c.name)}`).join(' OR ');
  return [
    `MERGE INTO ${dmlTable(target, dialect)} AS ${q('t')}`,
    `USING (\n${source}\n) AS ${q('s')}`,
    `ON ${identity.map((c) => `${ref('t', c)} = ${ref('s', c)}`).join(' AND ')}`,
    `WHEN MATCHED AND NOT ${ref('s', PRESENT)} THEN DELETE`,
    `WHEN MATCHED AND (${differs}) THEN UPDATE SET ${updated.map((c) => `${q(c.name)} = ${ref('s', c.name)}`).join(', ')}`,
    `WHEN NOT MATCHED AND ${ref('s', PRESENT)} THEN INSERT (${columns.map((c) => q(c.name)).join(', ')}) VALUES (${columns.map((c) => ref('s', c.name)).join(', ')})`,
  ].join('\n');
}

/**
 * MERGE keeping the current state: per touched key the row that wins across every gold partition by the
 * consolidation's own rules (the `current-state` named query's), unless that row is a delete event.
 */
export function mergeCurrentStateSql(spec: GoldStateSpec, target: TableName, anomesdias: readonly string[], dialect: SqlDialect): string {
  checkDays(anomesdias);
  const q = (name: string) => quoteIdentifier(name, dialect);
  const columns = currentStateColumns(spec);
  const names = columns.map((c) => c.name);
  const winners = consolidationSql(
    { ...spec, columns: columns.filter((c) => c.name !== ORIGIN_COLUMN), sources: touchedGoldSources(spec, names, dialect) },
    dialect,
  );
  const deleted = deletedCondition(spec, dialect, 'w');
  const desired = `${q('desired')} AS (\n  SELECT ${names.map((n) => `${q('w')}.${q(n)}`).join(', ')} FROM (\n${winners}\n) ${q('w')}${deleted ? ` WHERE NOT ${deleted}` : ''}\n)`;
  return syncMergeSql(
    target,
    columns,
    spec.chaves_principais,
    [touchedKeysCte(spec, target, anomesdias, [PARTITION_COLUMN], spec.deleteMarker !== undefined, dialect), desired],
    spec.chaves_principais,
    dialect,
  );
}

/**
 * MERGE keeping SCD type 2 history: per touched key, one row per version (a gold row; versions with the same
 * decision tuple are one, chosen as a partition's consolidation would), ordered by the decision fields. A
 * version is valid from its first decision field until the next version's (open when it is the last);
 * is_current marks the last when it is no delete. A delete event is no row of its own: it closes the version
 * before it. Rows are identified by key and `anomesdia` (a gold partition holds one row per key).
 */
export function mergeHistorySql(spec: GoldStateSpec, target: TableName, anomesdias: readonly string[], dialect: SqlDialect): string {
  checkDays(anomesdias);
  const q = (name: string) => quoteIdentifier(name, dialect);
  const columns = historyColumns(spec);
  const data = currentStateColumns(spec);
  const names = data.map((c) => c.name);
  const keys = spec.chaves_principais.map(q);
  const decision = spec.campos_decisao.map((d) => q(d.campo));
  // The order versions follow in time: the reverse of the consolidation's (which puts the winner first).
  const timeOrder = spec.campos_decisao.map((d) => `${q(d.campo)} ${d.direcao === 'desc' ? 'ASC NULLS FIRST' : 'DESC NULLS FIRST'}`);
  const tieBreak = [`${q(PRIORITY)} ASC`, ...names.map((n) => `${q(n)} ASC NULLS LAST`)];
  const sources = touchedGoldSources(spec, names, dialect).map((s) => {
    const from = 'relation' in s ? s.relation : '';
    return `  SELECT ${[...names.map(q), `${spec.origens.indexOf(s.origem)} AS ${q(PRIORITY)}`].join(', ')} FROM ${from}`;
  });
  const deleted = deletedCondition(spec, dialect) ?? 'FALSE';
  const window = `PARTITION BY ${keys.join(', ')} ORDER BY ${timeOrder.join(', ')}`;
  const since = q(spec.campos_decisao[0]!.campo);
  const ctes = [
    touchedKeysCte(spec, target, anomesdias, [PARTITION_COLUMN, CLOSED_IN], spec.deleteMarker !== undefined, dialect),
    [
      `${q('versions')} AS (`,
      `  SELECT ${names.map(q).join(', ')}, ${deleted} AS ${q('_deleted')}, row_number() OVER (PARTITION BY ${[...keys, ...decision].join(', ')} ORDER BY ${tieBreak.join(', ')}) AS ${q('_dup')}`,
      `  FROM (\n${sources.join('\n  UNION ALL\n')}\n  ) ${q('origens')}`,
      ')',
    ].join('\n'),
    [
      `${q('ordered')} AS (`,
      `  SELECT ${names.map(q).join(', ')}, ${q('_deleted')}, ${since} AS ${q(VALID_FROM)}, lead(${since}) OVER (${window}) AS ${q(VALID_TO)}, lead(${q(PARTITION_COLUMN)}) OVER (${window}) AS ${q(CLOSED_IN)}, lead(1) OVER (${window}) IS NULL AS ${q('_last')}`,
      `  FROM ${q('versions')} WHERE ${q('_dup')} = 1`,
      ')',
    ].join('\n'),
    [
      `${q('desired')} AS (`,
      `  SELECT ${[...names.map(q), q(VALID_FROM), q(VALID_TO), `${q('_last')} AS ${q(IS_CURRENT)}`, q(CLOSED_IN)].join(', ')}`,
      `  FROM ${q('ordered')} WHERE NOT ${q('_deleted')}`,
      ')',
    ].join('\n'),
  ];
  return syncMergeSql(target, columns, [...spec.chaves_principais, PARTITION_COLUMN], ctes, spec.chaves_principais, dialect);
}
