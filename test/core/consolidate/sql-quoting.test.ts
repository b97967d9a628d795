// Every identifier the pipeline writes into SQL is quoted: sources, columns, databases and tables named
// like keywords (order, select, group, from, where, limit, table) consolidate, and the generated SQL
// (consolidation, counts, quarantine, the named queries, the local views) runs in DuckDB and agrees with
// the TypeScript engine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesConsolidationConfig } from '../../support/configs.js';
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consolidate, originTable } from '../../../lambdas/core/consolidate/engine.js';
import { goldNamedQueries } from '../../../lambdas/core/consolidate/gold-queries.js';
import {
  consolidationCountsSql,
  consolidationSql,
  quarantineSql,
  quoteIdentifier,
  sqlString,
  type ConsolidationSqlSpec,
  type SqlDialect,
} from '../../../lambdas/core/consolidate/sql.js';
import { writeColumns } from '../../../lambdas/core/columnar/writer.js';
import type { CellValue, TableColumn } from '../../../lambdas/core/columnar/types.js';
import { locationIn } from '../../../lambdas/core/lake/publication.js';
import { goldColumns, silverColumns } from '../../../lambdas/core/lake/tables.js';
import { silverTable } from '../../../lambdas/core/lake/layout.js';
import { readParquet, rowsFromTable, tableFromRows } from '../../support/parquet.js';
import { consolidateHere, startConsolidationLake, type ConsolidationLake } from '../../support/consolidation-lake.js';
import type { ConsolidateTableResult } from '../../../lambdas/core/consolidate/types.js';
import { decimalText } from '../../../lambdas/core/columnar/columns.js';

const fields = [
  { name: 'group', type: 'string', required: true },
  { name: 'from', type: 'integer', required: true },
  { name: 'order', type: 'timestamp', required: true },
  { name: 'where', type: 'integer' },
  { name: 'select', type: 'string' },
  { name: 'limit', type: 'decimal', precision: 10, scale: 2 },
] as const;

const goldTable = {
  database: 'group',
  tabela_consolidada: 'select',
  chaves_principais: ['group', 'from'],
  campos_decisao: ['order', { campo: 'where', direcao: 'asc' }],
};
const config = filesConsolidationConfig(['order', 'from'], { fields, watermarkField: 'order' }, goldTable, {
  storage: { silverDatabase: 'table' },
});
const consolidation = config.consolidations[0]!;
const DAY = '20240119';
const at = (h: number) => Date.UTC(2024, 0, 19, h) * 1000;

/** Rows with repeated keys, ties on `order` broken by `where`, and null keys (quarantined). */
function rows(origin: number): Record<string, CellValue>[] {
  return Array.from({ length: 40 }, (_, i) => ({
    group: i % 11 === 0 ? null : `g${i % 5}`,
    from: i % 3,
    order: at((i * 7 + origin) % 4),
    where: (i * 3 + origin) % 5,
    select: `o${origin}-${i}`,
    limit: i % 4 === 0 ? null : BigInt(i * 125),
    _content_hash: `h${origin}-${i}`,
    _ingested_at: at(23),
    _run_id: 'refine',
  }));
}

/** Plain comparable values: instants as epoch µs (whole milliseconds here), the decimal `limit` as its exact text, counts as numbers. */
function plain(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row))
    out[k] =
      v instanceof Date
        ? v.getTime() * 1000
        : typeof v === 'bigint'
          ? k === 'limit'
            ? decimalText(v, 2)
            : Number(v)
          : typeof v === 'object' && v !== null
            ? Number(v)
            : v;
  return out;
}

describe('SQL with identifiers that are keywords', () => {
  let lake: ConsolidationLake;
  let gold: Record<string, unknown>[];
  let result: ConsolidateTableResult;

  beforeAll(async () => {
    lake = await startConsolidationLake(config);
    for (const [i, origem] of consolidation.origens.entries()) {
      const source = config.sources.find((s) => s.name === origem)!;
      await lake.putSilver(origem, DAY, writeColumns(tableFromRows(silverColumns(source), rows(i))));
    }
    result = await consolidateHere(lake.deps, { runId: 'run-1', database: 'group', tabela: 'select', anomesdia: DAY });
    const key = locationIn(lake.deps.gold, result.location!)!;
    gold = rowsFromTable(await readParquet(await lake.deps.gold.get(`${key}part-00000.snappy.parquet`))).map(plain);
  });
  afterAll(() => lake?.stop());

  const spec = (): ConsolidationSqlSpec => ({
    origens: consolidation.origens,
    chaves_principais: consolidation.chaves_principais,
    campos_decisao: consolidation.campos_decisao,
    columns: goldColumns(config, consolidation).filter((c) => c.name !== 'origem'),
    anomesdia: DAY,
    sources: consolidation.origens.map((origem) => {
      const table = silverTable(
        config,
        config.sources.find((s) => s.name === origem)!,
      );
      return { origem, database: table.database, table: table.name, columns: table.columns.map((c) => c.name) };
    }),
  });

  it('consolidates in TypeScript, and the Athena and DuckDB texts of the consolidation SQL give the same rows over the local views', async () => {
    expect(result).toMatchObject({ rows_read: 80, engine: 'lambda' });
    expect(result.rows_invalid).toBeGreaterThan(0);
    expect(gold.length).toBe(result.rows_written);
    expect(gold.length).toBeGreaterThan(5);
    for (const dialect of ['athena', 'duckdb'] as SqlDialect[]) {
      const sql = consolidationSql(spec(), dialect);
      expect(sql).toContain('FROM "table"."order" WHERE "anomesdia" = \'20240119\'');
      expect((await lake.engine.query(sql)).map(plain), dialect).toEqual(gold);
      expect((await lake.engine.query(consolidationCountsSql(spec(), dialect))).map(plain)).toEqual([
        { rows_read: result.rows_read, rows_invalid: result.rows_invalid },
      ]);
      const quarantined = await lake.engine.query(quarantineSql(spec(), dialect));
      expect(quarantined).toHaveLength(result.rows_invalid);
      for (const r of quarantined) expect(r.reason).toBe('null key column "group"');
    }
  });

  it('runs every named query of a gold table named "group"."select" through the local views', async () => {
    const queries = goldNamedQueries('group', consolidation, goldColumns(config, consolidation), 'duckdb');
    const run = async (name: string) => (await lake.engine.query(queries.find((q) => q.name === name)!.sql)).map(plain);
    expect(await run('rows-per-partition')).toEqual([{ anomesdia: DAY, row_count: gold.length }]);
    expect(await run('duplicate-keys')).toEqual([]);
    expect(await run('latest-partition-sample')).toHaveLength(Math.min(100, gold.length));
    const current = await run('current-state');
    expect(current).toEqual(gold.map((r) => ({ ...r, anomesdia: DAY })));
    // The Athena text of the same queries is the same SQL with the same quoting.
    const athena = goldNamedQueries('group', consolidation, goldColumns(config, consolidation), 'athena');
    for (const q of athena) expect(q.sql).toContain('"group"."select"');
  });
});

describe('quoting of identifiers holding quote characters', () => {
  let dir: string;
  let db: DuckDBInstance;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sql-quoting-'));
    db = await DuckDBInstance.create(':memory:');
  });
  afterAll(async () => {
    db.closeSync();
    await rm(dir, { recursive: true, force: true });
  });

  it('doubles the quote of each dialect, and such columns consolidate in DuckDB as in TypeScript', async () => {
    expect(quoteIdentifier('we"ird', 'duckdb')).toBe('"we""ird"');
    expect(quoteIdentifier('we"ird', 'athena')).toBe('"we""ird"');
    expect(quoteIdentifier('back`tick', 'spark')).toBe('`back``tick`');
    const columns: TableColumn[] = [
      { name: 'we"ird', type: 'string' },
      { name: 'back`tick', type: 'integer' },
      { name: 'from', type: 'timestamp' },
      { name: "it's", type: 'string' },
    ];
    const rules = { origens: ["o'1"], chaves_principais: ['we"ird'], campos_decisao: [{ campo: 'from', direcao: 'desc' as const }] };
    const data = Array.from({ length: 30 }, (_, i) => ({ 'we"ird': `k${i % 7}`, 'back`tick': i, from: at(i % 3), "it's": `v${i}` }));
    const file = join(dir, "o'1.parquet");
    await writeFile(file, writeColumns(tableFromRows(columns, data)));
    const spec: ConsolidationSqlSpec = {
      ...rules,
      columns,
      sources: [{ origem: "o'1", columns: columns.map((c) => c.name), relation: `read_parquet(${sqlString(file)})` }],
    };
    const conn = await db.connect();
    const actual = (await conn.runAndReadAll(consolidationSql(spec, 'duckdb'))).getRowObjectsJS().map(plain);
    conn.closeSync();
    const expected = consolidate(rules, [originTable("o'1", tableFromRows(columns, data))], { columns });
    expect(actual).toEqual(rowsFromTable(expected.table).map(plain));
    expect(actual).toHaveLength(7);
    expect(consolidationSql(spec, 'spark')).toContain('`back``tick`');
  });
});
