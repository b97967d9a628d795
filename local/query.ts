// `npm run query -- "SELECT ..."`: SQL over the local lake's tables by their catalog names, through DuckDB.
import './quiet-warnings.js';
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { parsePipelineConfig, type PipelineConfig } from '../lambdas/core/config.js';
import { defaultPipelineConfig } from '../lambdas/core/default-config.js';
import type { QueryRow } from '../lambdas/ports/query-engine.js';
import { localCatalog, localLake, openLocalQueryEngine } from './runtime.js';

/** Runs one statement over the lake under `dataDir`. */
export async function localQuery(dataDir: string, config: PipelineConfig, sql: string): Promise<QueryRow[]> {
  const engine = await openLocalQueryEngine(await localCatalog(dataDir, config, localLake(dataDir)));
  try {
    return await engine.query(sql);
  } finally {
    await engine.close();
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ options: { 'data-dir': { type: 'string', default: '.local' } }, allowPositionals: true });
  const sql = positionals.join(' ').trim();
  if (!sql) {
    console.error('Usage: npm run query -- "SELECT * FROM db_batch.tbl_processado_operacao_consolidada_n1 LIMIT 10" [--data-dir .local]');
    process.exit(2);
  }
  const rows = await localQuery(resolve(values['data-dir']), parsePipelineConfig(defaultPipelineConfig), sql);
  console.table(rows);
  console.log(`${rows.length} row${rows.length === 1 ? '' : 's'}`);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
    process.exit(1);
  });
}
