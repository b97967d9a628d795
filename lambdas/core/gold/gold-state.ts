// Keeps a consolidation's current-state and history tables after its gold partitions are published: creates
// each table when absent, adds the columns gold gained since, and runs its MERGE for the run's partitions.
import { currentStateTable, historyTable, physicalName, type ConsolidationConfig, type PipelineConfig } from '../config.js';
import { quoteIdentifier } from '../consolidate/sql.js';
import { goldLayout } from '../lake/layout.js';
import { goldColumns } from '../lake/tables.js';
import type { GoldStateEngine, RunSql, StateTable } from '../../ports/gold-state.js';
import {
  addColumnsSql,
  createStateTableSql,
  currentStateColumns,
  historyColumns,
  mergeCurrentStateSql,
  mergeHistorySql,
  stateTableColumnsSql,
  type GoldStateSpec,
  type TableName,
} from './state-sql.js';

export type StateTableKind = 'current' | 'history';

/** What one run did to a state table; small, as it travels in the state machine. */
export interface StateTableSummary {
  table: string;
  kind: StateTableKind;
  /** Rows in the table after the run. */
  rows: number;
  /** Rows the MERGE inserted, updated or deleted, when the engine reports it (DuckDB does). */
  changed?: number;
  /** Columns added to the table in this run. */
  columns_added?: string[];
}

export function goldStateSpec(config: PipelineConfig, c: ConsolidationConfig): GoldStateSpec {
  return {
    origens: c.origens,
    chaves_principais: c.chaves_principais,
    campos_decisao: c.campos_decisao,
    gold: { database: physicalName(config, c.database), table: c.tabela_consolidada },
    columns: goldColumns(config, c),
    ...(c.deleteMarker ? { deleteMarker: c.deleteMarker } : {}),
  };
}

/** The consolidation's state tables, each with its kind; `goldUri` turns a gold-bucket key into a location. */
export function goldStateTables(
  config: PipelineConfig,
  c: ConsolidationConfig,
  goldUri: (key: string) => string,
): (StateTable & { kind: StateTableKind })[] {
  const spec = goldStateSpec(config, c);
  const database = physicalName(config, c.database);
  const table = (kind: StateTableKind, name: string | undefined) =>
    name === undefined
      ? []
      : [
          {
            kind,
            database,
            table: name,
            columns: kind === 'current' ? currentStateColumns(spec) : historyColumns(spec),
            location: goldUri(goldLayout.tablePrefix(c.database, name)),
          },
        ];
  return [...table('current', currentStateTable(c)), ...table('history', historyTable(c))];
}

/** Creates the table when absent and adds the columns it lacks; returns the names added. */
async function ensureStateTable(sql: RunSql, t: StateTable, dialect: GoldStateEngine['dialect']): Promise<string[]> {
  const name: TableName = { database: t.database, table: t.table };
  for (const statement of createStateTableSql(name, t.columns, t.location, dialect)) await sql(statement);
  const listing = stateTableColumnsSql(name, dialect);
  const have = new Set((await sql(listing.sql)).map((r) => String(r[listing.column]).trim()));
  const missing = t.columns.filter((col) => !have.has(col.name));
  for (const statement of addColumnsSql(name, missing, dialect)) await sql(statement);
  return missing.map((col) => col.name);
}

/** The affected-row count a MERGE answered with, when it answered one (DuckDB's `Count`; Athena's MERGE returns no rows). */
function affected(rows: Record<string, unknown>[]): number | undefined {
  const value = rows[0]?.Count;
  return value === undefined || value === null ? undefined : Number(value);
}

/**
 * Brings the consolidation's state tables up to date with its gold partitions of `anomesdias`, in one
 * session (`extra` runs in it afterwards, e.g. the aggregates). A consolidation without state tables does nothing.
 */
export async function refreshGoldState<T = undefined>(
  deps: { config: PipelineConfig; engine: GoldStateEngine; goldUri: (key: string) => string },
  request: { consolidation: ConsolidationConfig; anomesdias: readonly string[] },
  extra?: (sql: RunSql) => Promise<T>,
): Promise<{ tables: StateTableSummary[]; extra?: T }> {
  const { config, engine } = deps;
  const tables = goldStateTables(config, request.consolidation, deps.goldUri);
  if ((tables.length === 0 && !extra) || request.anomesdias.length === 0) return { tables: [] };
  const spec = goldStateSpec(config, request.consolidation);
  return engine.withTables(tables, async (sql) => {
    const summaries: StateTableSummary[] = [];
    for (const t of tables) {
      const added = await ensureStateTable(sql, t, engine.dialect);
      const target = { database: t.database, table: t.table };
      const merge =
        t.kind === 'current'
          ? mergeCurrentStateSql(spec, target, request.anomesdias, engine.dialect)
          : mergeHistorySql(spec, target, request.anomesdias, engine.dialect);
      const changed = affected(await sql(merge));
      const q = (n: string) => quoteIdentifier(n, engine.dialect);
      const [count] = await sql(`SELECT count(*) AS ${q('row_count')} FROM ${q(t.database)}.${q(t.table)}`);
      summaries.push({
        table: `${t.database}.${t.table}`,
        kind: t.kind,
        rows: Number(count?.row_count ?? 0),
        ...(changed !== undefined ? { changed } : {}),
        ...(added.length > 0 ? { columns_added: added } : {}),
      });
    }
    return { tables: summaries, ...(extra ? { extra: await extra(sql) } : {}) };
  });
}
