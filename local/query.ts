// `npm run query -- "SELECT ..."`: SQL over the local lake's tables by their catalog names, through DuckDB.
// `npm run query -- --named current-state`: one of the gold tables' named queries (the same SQL as Athena's).
// It takes no lock, so it works while a run writes: it reads only the partitions the catalog has published,
// never a file being written; a query that races a partition switch may fail (the replaced version's files
// are deleted) and can be run again.
import './quiet-warnings.js';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { declaresExpectations, physicalName, type PipelineConfig } from '../lambdas/core/config.js';
import { sqlString } from '../lambdas/core/consolidate/sql.js';
import { goldNamedQueries, qualityNamedQueries } from '../lambdas/core/consolidate/gold-queries.js';
import { goldColumns } from '../lambdas/core/lake/tables.js';
import type { QueryRow } from '../lambdas/ports/query-engine.js';
import { COMMON_OPTIONS, commandLineConfig, parseCommandLine } from './cli.js';
import { CommandLineError, NamedQueryError, NoLocalLakeError } from './errors.js';
import { localCatalog, localLake, openLocalQueryEngine } from './runtime.js';

/**
 * Runs one statement over the lake under `dataDir`. A folder no run has written to is an error, not an
 * empty table: a wrong --data-dir would otherwise answer 0 rows.
 */
export async function localQuery(
  dataDir: string,
  config: PipelineConfig,
  sql: string,
  onNotice?: (message: string) => void,
): Promise<QueryRow[]> {
  if (!existsSync(join(dataDir, 'catalog.json'))) throw new NoLocalLakeError(dataDir);
  // A config whose tables changed compatibly updates the catalog here too, and says so (see docs/operations.md "Schema changes").
  const engine = await openLocalQueryEngine(await localCatalog(dataDir, config, localLake(dataDir), onNotice));
  try {
    return await engine.query(sql);
  } finally {
    await engine.close();
  }
}

/** A gold table's named query; `table` (database.table) may be left out when there is one gold table; `params` fill its `?`s in order. */
export function namedQuerySql(config: PipelineConfig, name: string, table?: string, params: readonly string[] = []): string {
  if (name === 'quality-results' && declaresExpectations(config))
    return fillParameters(qualityNamedQueries(physicalName(config, config.storage.silverDatabase), 'duckdb')[0]!, params);
  const gold = config.consolidations.filter((c) => !c.output_path);
  // Catalog names: the database carries the config's namePrefix, as the gold table's name in SQL does.
  const names = gold.map((c) => `${physicalName(config, c.database)}.${c.tabela_consolidada}`);
  if (gold.length === 0) throw new NamedQueryError('The config has no gold table in the catalog (every consolidation has an output_path)');
  const consolidation = table === undefined && gold.length === 1 ? gold[0]! : gold.find((_c, i) => names[i] === table);
  if (!consolidation)
    throw new NamedQueryError(
      `${table === undefined ? 'Several gold tables: name one' : `No gold table "${table}"`} with --table (${names.join(', ')})`,
    );
  const queries = goldNamedQueries(
    physicalName(config, consolidation.database),
    consolidation,
    goldColumns(config, consolidation),
    'duckdb',
  );
  const query = queries.find((q) => q.name === name);
  if (!query) throw new NamedQueryError(`No named query "${name}"; there are ${queries.map((q) => q.name).join(', ')}`);
  return fillParameters(query, params);
}

/** The query with each `?` outside a string literal replaced by the next parameter, as a string literal (DuckDB casts it). */
function fillParameters(query: { name: string; description: string; sql: string }, params: readonly string[]): string {
  const parts = query.sql.split(/('(?:[^']|'')*')/);
  const marks = parts.reduce((n, part, i) => (i % 2 === 0 ? n + (part.match(/\?/g)?.length ?? 0) : n), 0);
  if (marks !== params.length)
    throw new NamedQueryError(
      `Named query "${query.name}" takes ${marks} parameter(s), given ${params.length}: pass each with --param (${query.description})`,
    );
  let next = 0;
  return parts.map((part, i) => (i % 2 === 0 ? part.replace(/\?/g, () => sqlString(params[next++]!)) : part)).join('');
}

const USAGE = [
  'Usage: npm run query -- "SELECT * FROM db_batch.tbl_processado_operacao_consolidada_n1 LIMIT 10" [--config my.json] [--data-dir .local]',
  '       npm run query -- --named current-state [--table db_batch.tbl_processado_operacao_consolidada_n1] [--config my.json] [--data-dir .local]',
  '       npm run query -- --named key-lookup --param OP0000001 --param 1   (each ? of the query, in order)',
  '',
  'Tables are named as in the catalog: with storage.namePrefix set, `<prefix>_<database>.<table>`.',
].join('\n');

/** What `npm run query` prints: the rows as a table and their count. */
export async function queryCommand(
  values: { config?: string; 'data-dir'?: string; named?: string; table?: string; param?: string[] },
  sql: string,
) {
  const config = commandLineConfig(values.config);
  const statement = values.named !== undefined ? namedQuerySql(config, values.named, values.table, values.param) : sql.trim();
  if (!statement) throw new CommandLineError('Give a SQL statement or --named <query>');
  return localQuery(resolve(values['data-dir'] ?? '.local'), config, statement, (notice) => console.error(notice));
}

async function main(): Promise<void> {
  const parsed = parseCommandLine(
    {
      options: {
        ...COMMON_OPTIONS,
        named: { type: 'string' },
        table: { type: 'string' },
        param: { type: 'string', multiple: true },
      },
      allowPositionals: true,
    },
    USAGE,
  );
  if (!parsed) process.exit(2);
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (values.named === undefined && positionals.join('').trim() === '') {
    console.error(USAGE);
    process.exit(2);
  }
  const rows = await queryCommand(values, positionals.join(' '));
  console.table(rows);
  console.log(`${rows.length} row${rows.length === 1 ? '' : 's'}`);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
    process.exit(1);
  });
}
