// The queries offered on each gold table, as Athena named queries in AWS and through `npm run query --
// --named` locally: the same SQL text, which Athena (Trino) and DuckDB both run.
import { type ConsolidationConfig, currentStateTable, historyTable, PARTITION_COLUMN } from '../config.js';
import type { TableColumn } from '../columnar/types.js';
import { ORIGIN_COLUMN } from '../lake/tables.js';
import type { ConsolidationRules } from './spec.js';
import { aggregateNamedQueries } from '../gold/aggregates.js';
import { deletedCondition, VALID_FROM, VALID_TO, type DeleteMarker } from '../gold/state-sql.js';
import { consolidationSql, quoteIdentifier, sqlString, sqlType, type SqlDialect } from './sql.js';

export interface GoldNamedQuery {
  name: string;
  description: string;
  sql: string;
}

/**
 * A gold table's named queries. `database` is the name the query engine knows (physical in AWS);
 * `columns` are the gold table's columns (goldColumns: fields, then `origem`).
 */
export function goldNamedQueries(
  database: string,
  c: ConsolidationConfig,
  columns: readonly TableColumn[],
  dialect: SqlDialect = 'athena',
): GoldNamedQuery[] {
  const q = (name: string) => quoteIdentifier(name, dialect);
  const table = `${q(database)}.${q(c.tabela_consolidada)}`;
  const keys = c.chaves_principais.map(q).join(', ');
  const day = q(PARTITION_COLUMN);
  const latest = `(SELECT max(${day}) FROM ${table})`;
  return [
    {
      name: 'latest-partition-sample',
      description: `100 rows of the latest ${PARTITION_COLUMN} partition of ${database}.${c.tabela_consolidada}`,
      sql: `SELECT * FROM ${table} WHERE ${day} = ${latest} LIMIT 100;`,
    },
    {
      name: 'rows-per-partition',
      description: `Row count per ${PARTITION_COLUMN} of ${database}.${c.tabela_consolidada}`,
      sql: `SELECT ${day}, count(*) AS ${q('row_count')} FROM ${table} GROUP BY ${day} ORDER BY ${day} DESC;`,
    },
    {
      name: 'duplicate-keys',
      description: `Keys (${c.chaves_principais.join(', ')}) present more than once in a partition; a correct consolidation returns no row`,
      sql: `SELECT ${day}, ${keys}, count(*) AS ${q('copies')} FROM ${table} GROUP BY ${day}, ${keys} HAVING count(*) > 1 ORDER BY ${q('copies')} DESC LIMIT 100;`,
    },
    {
      name: 'current-state',
      description: `The current state of ${database}.${c.tabela_consolidada}: per key (${c.chaves_principais.join(', ')}) the row that wins across every ${PARTITION_COLUMN}, by the consolidation's own decision fields; ${PARTITION_COLUMN} tells the day it won from`,
      sql: `${currentStateSql(table, c, columns, dialect)};`,
    },
    ...stateTableQueries(database, c, columns, dialect),
    ...aggregateNamedQueries(database, c, dialect),
  ];
}

/** The query on the silver expectations' results (`<silverDatabase>.quality_results`), when a source has expectations. */
export function qualityNamedQueries(silverDatabase: string, dialect: SqlDialect = 'athena'): GoldNamedQuery[] {
  const q = (name: string) => quoteIdentifier(name, dialect);
  const columns = ['anomesdia', 'source', 'expectation', 'rule', 'action', 'rows_checked', 'rows_failed', 'run_id', 'checked_at'];
  // Files written before the layer column read it as null: they are silver's.
  const layer = `COALESCE(${q('layer')}, 'silver') AS ${q('layer')}`;
  return [
    {
      name: 'quality-results',
      description: `The latest 100 results of the silver and gold tables' expectations (${silverDatabase}.quality_results), failed ones first`,
      sql: `SELECT ${layer}, ${columns.map(q).join(', ')} FROM ${q(silverDatabase)}.${q('quality_results')} ORDER BY ${q('checked_at')} DESC, ${q('rows_failed')} DESC LIMIT 100;`,
    },
  ];
}

/**
 * The queries on a consolidation's state tables. A `?` is a parameter: the Athena console asks for its value
 * (as a SQL literal, e.g. 'OP0000001'); `npm run query -- --named ... --param OP0000001` fills it locally.
 */
function stateTableQueries(
  database: string,
  c: ConsolidationConfig,
  columns: readonly TableColumn[],
  dialect: SqlDialect,
): GoldNamedQuery[] {
  const q = (name: string) => quoteIdentifier(name, dialect);
  const keys = c.chaves_principais;
  const byKey = keys.map((k) => `${q(k)} = ?`).join(' AND ');
  const keyList = keys.map(q).join(', ');
  const current = currentStateTable(c);
  const history = historyTable(c);
  const out: GoldNamedQuery[] = [];
  if (current) {
    const t = `${q(database)}.${q(current)}`;
    out.push(
      {
        name: 'current-state-table',
        description: `100 rows of ${database}.${current}, the current state kept by MERGE after each run (no scan of every gold partition)`,
        sql: `SELECT * FROM ${t} ORDER BY ${keyList} LIMIT 100;`,
      },
      {
        name: 'key-lookup',
        description: `The current row of one key of ${database}.${current}; parameters: ${keys.join(', ')}`,
        sql: `SELECT * FROM ${t} WHERE ${byKey};`,
      },
    );
  }
  if (history) {
    const t = `${q(database)}.${q(history)}`;
    const since = columns.find((col) => col.name === c.campos_decisao[0]!.campo)!;
    const at = `CAST(? AS ${sqlType(since, dialect)})`;
    out.push(
      {
        name: 'key-history',
        description: `Every version of one key in ${database}.${history}, oldest first; parameters: ${keys.join(', ')}`,
        sql: `SELECT * FROM ${t} WHERE ${byKey} ORDER BY ${q(VALID_FROM)} NULLS FIRST;`,
      },
      {
        name: 'history-as-of',
        description: `Each key's version valid at one instant in ${database}.${history}; parameter: the instant (${since.type}), twice`,
        sql: `SELECT * FROM ${t} WHERE ${q(VALID_FROM)} <= ${at} AND (${q(VALID_TO)} IS NULL OR ${q(VALID_TO)} > ${at}) ORDER BY ${keyList};`,
      },
    );
  }
  return out;
}

/**
 * Consolidation across every partition of a gold table: each origin's gold rows are one source, so ties
 * go by origin priority as in a partition; a full tie between two days goes to the earlier day (the
 * output columns, `anomesdia` last, break it). With a delete marker, keys whose winner is a delete are left out.
 */
export function currentStateSql(
  table: string,
  c: ConsolidationRules & { deleteMarker?: DeleteMarker },
  columns: readonly TableColumn[],
  dialect: SqlDialect,
): string {
  const q = (name: string) => quoteIdentifier(name, dialect);
  const outputs: TableColumn[] = [
    ...columns.filter((col) => col.name !== ORIGIN_COLUMN && col.name !== PARTITION_COLUMN),
    { name: PARTITION_COLUMN, type: 'string' },
  ];
  const names = [...outputs.map((col) => col.name), ORIGIN_COLUMN];
  const winners = consolidationSql(
    {
      origens: c.origens,
      chaves_principais: c.chaves_principais,
      campos_decisao: c.campos_decisao,
      columns: outputs,
      sources: c.origens.map((origem, i) => ({
        origem,
        columns: names,
        relation: `(SELECT * FROM ${table} WHERE ${q(ORIGIN_COLUMN)} = ${sqlString(origem)}) ${q(`gold_${i}`)}`,
      })),
    },
    dialect,
  );
  const deleted = deletedCondition({ columns, deleteMarker: c.deleteMarker }, dialect, 'w');
  if (!deleted) return winners;
  const keys = c.chaves_principais.map((k) => `${q('w')}.${q(k)}`);
  return `SELECT ${names.map((n) => `${q('w')}.${q(n)}`).join(', ')} FROM (\n${winners}\n) ${q('w')} WHERE NOT ${deleted} ORDER BY ${keys.join(', ')}`;
}
