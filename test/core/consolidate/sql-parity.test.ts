import { describe, expect, it } from 'vitest';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readColumns } from '../../../lambdas/core/columnar/reader.js';
import { writeColumns } from '../../../lambdas/core/columnar/writer.js';
import { consolidate, originTable } from '../../../lambdas/core/consolidate/engine.js';
import { currentStateSql } from '../../../lambdas/core/consolidate/gold-queries.js';
import {
  consolidationCountsSql,
  consolidationSql,
  quarantineSql,
  type ConsolidationSqlSpec,
} from '../../../lambdas/core/consolidate/sql.js';
import type { CellValue } from '../../../lambdas/core/columnar/types.js';
import { readParquet, rowsFromTable, tableFromRows, writeParquet } from '../../support/parquet.js';
import { duckDbForBlock, exactRows } from '../../support/duckdb-rows.js';
import { decimalText } from '../../../lambdas/core/columnar/columns.js';
import { operationColumns, operationRules, random, randomRows } from './fixtures.js';

/** Plain comparable values: dates as epoch ms; timestamps (epoch µs), longs and decimals (bigints) exactly as held. */
function plain(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = v instanceof Date ? v.getTime() : v;
  return out;
}

/** A quarantined row's decimal as the engine writes it: exact text. */
const decimalAsText = (row: Record<string, unknown>): Record<string, unknown> => ({
  ...row,
  vlr_oper: typeof row.vlr_oper === 'bigint' ? decimalText(row.vlr_oper, 2) : row.vlr_oper,
});

describe('consolidationSql in DuckDB', () => {
  const duck = duckDbForBlock('consolidate-parity-');

  it('returns exactly the TypeScript engine output on 24 random datasets with nulls and ties, from cells and from typed columns', async () => {
    for (let seed = 1; seed <= 24; seed++) {
      const rnd = random(seed);
      // The third origin lacks two columns, so the SQL has to fill them with typed nulls.
      const origins = operationRules.origens.map((origem, i) => ({
        origem,
        columns: i === 2 ? operationColumns.filter((c) => c.name !== 'cod_moed' && c.name !== 'flg_ativo') : operationColumns,
        file: join(duck.dir, `${seed}-${origem}.parquet`),
        rows: randomRows(rnd, 20 + Math.floor(rnd() * 200)),
      }));
      const tables = [];
      const typed = [];
      for (const [i, o] of origins.entries()) {
        // Odd seeds write the flat writer's PLAIN pages, even seeds hyparquet-writer's (dictionaries).
        const table = tableFromRows(o.columns, o.rows);
        await writeFile(o.file, seed % 2 ? writeColumns(table) : writeParquet(table));
        const bytes = new Uint8Array(await readFile(o.file));
        tables.push(originTable(o.origem, await readParquet(bytes)));
        // Numbers in typed arrays, as consolidateTable reads them; on odd seeds one origin stays in cells.
        typed.push(seed % 2 && i === 1 ? tables[i]! : { origem: o.origem, ...readColumns(bytes) });
      }
      const result = consolidate(operationRules, tables, { columns: operationColumns });
      const expected = rowsFromTable(result.table).map(plain);
      const fromTyped = consolidate(operationRules, typed, { columns: operationColumns });
      expect(rowsFromTable(fromTyped.table).map(plain), `seed ${seed}, typed columns`).toEqual(expected);
      const plainQuarantine = (rows: typeof result.quarantined) => rows.map((q) => ({ ...q, row: plain(q.row) }));
      expect(plainQuarantine(fromTyped.quarantined), `seed ${seed}, typed columns`).toEqual(plainQuarantine(result.quarantined));
      const spec: ConsolidationSqlSpec = {
        ...operationRules,
        columns: operationColumns,
        sources: origins.map((o) => ({ origem: o.origem, columns: o.columns.map((c) => c.name), relation: `read_parquet('${o.file}')` })),
      };
      const actual = exactRows(await duck.conn.runAndReadAll(consolidationSql(spec, 'duckdb'))).map(plain);
      expect(actual, `seed ${seed}`).toEqual(expected);
      expect(expected.length).toBeGreaterThan(5);
      const counts = (await duck.conn.runAndReadAll(consolidationCountsSql(spec, 'duckdb'))).getRowObjectsJS().map((r) => ({
        rows_read: Number(r.rows_read),
        rows_invalid: Number(r.rows_invalid),
      }));
      expect(counts, `seed ${seed}`).toEqual([{ rows_read: result.rows_read, rows_invalid: result.quarantined.length }]);
      // The Glue job quarantines what the SQL returns, and the Lambda what the engine returns: the same rows, reasons word for word.
      const line = (origem: unknown, reason: unknown, row: Record<string, unknown>) =>
        JSON.stringify({ origem, reason, row: Object.fromEntries(operationColumns.map((c) => [c.name, row[c.name] ?? null])) });
      const quarantined = exactRows(await duck.conn.runAndReadAll(quarantineSql(spec, 'duckdb')))
        .map(plain)
        .map(decimalAsText);
      expect(quarantined.map((r) => line(r.origem, r.reason, r)).sort(), `seed ${seed}`).toEqual(
        result.quarantined.map((q) => line(q.origem, q.reason, plain(q.row))).sort(),
      );
      expect(quarantined.length, `seed ${seed}`).toBeGreaterThan(0);
    }
  });

  it('keeps the current state across gold partitions as the TypeScript engine consolidates all of them (the current-state named query)', async () => {
    const days = ['20240101', '20240102', '20240103'];
    const goldColumns = [...operationColumns, { name: 'origem', type: 'string' as const }];
    const outputs = [...operationColumns, { name: 'anomesdia', type: 'string' as const }];
    for (let seed = 1; seed <= 8; seed++) {
      const rnd = random(100 + seed);
      const all: Record<string, CellValue>[] = [];
      for (const day of days) {
        const rows = operationRules.origens.flatMap((origem) =>
          randomRows(rnd, 20 + Math.floor(rnd() * 40)).map((r) => ({ ...r, origem })),
        );
        await mkdir(join(duck.dir, `gold-${seed}`, `anomesdia=${day}`), { recursive: true });
        await writeFile(join(duck.dir, `gold-${seed}`, `anomesdia=${day}`, 'part.parquet'), writeColumns(tableFromRows(goldColumns, rows)));
        all.push(...rows.map((r) => ({ ...r, anomesdia: day })));
      }
      await duck.conn.run(
        `CREATE OR REPLACE VIEW gold_${seed} AS SELECT * FROM read_parquet('${join(duck.dir, `gold-${seed}`, '*', '*.parquet')}', hive_partitioning = true, hive_types = {'anomesdia': VARCHAR})`,
      );
      const expected = consolidate(
        operationRules,
        operationRules.origens.map((o) =>
          originTable(
            o,
            tableFromRows(
              outputs,
              all.filter((r) => r.origem === o),
            ),
          ),
        ),
        { columns: outputs },
      );
      const actual = exactRows(await duck.conn.runAndReadAll(currentStateSql(`gold_${seed}`, operationRules, goldColumns, 'duckdb'))).map(
        plain,
      );
      expect(actual, `seed ${seed}`).toEqual(rowsFromTable(expected.table).map(plain));
      // Keys come back once each, some of them from an earlier day than the last.
      expect(new Set(actual.map((r) => `${r.num_oper}|${r.cod_idef_ver_oper}`)).size).toBe(actual.length);
      expect(new Set(actual.map((r) => r.anomesdia)).size).toBeGreaterThan(1);
    }
  });
});

describe('consolidationSql dialects', () => {
  const spec: ConsolidationSqlSpec = {
    ...operationRules,
    columns: operationColumns,
    anomesdia: '20240119',
    sources: [
      { origem: 'sor', database: 'db_silver', table: 'sor', columns: operationColumns.map((c) => c.name) },
      { origem: 'sot', database: 'db_silver', table: 'sot', columns: ['num_oper', 'cod_idef_ver_oper', 'dat_vlr_even_oper'] },
    ],
  };

  it('reads catalog tables filtered on the partition, with typed nulls for missing columns (Athena)', () => {
    const sql = consolidationSql(spec, 'athena');
    expect(sql).toContain('FROM "db_silver"."sor" WHERE "anomesdia" = \'20240119\'');
    expect(sql).toContain('CAST(NULL AS DECIMAL(18,2)) AS "vlr_oper"');
    expect(sql).toContain(
      'row_number() OVER (PARTITION BY "num_oper", "cod_idef_ver_oper" ORDER BY "dat_vlr_even_oper" DESC NULLS LAST, "num_prio_even_oper" ASC NULLS LAST',
    );
    expect(sql).toContain('WHERE "num_oper" IS NOT NULL AND "cod_idef_ver_oper" IS NOT NULL');
  });

  it('quotes with backticks and uses STRING in Spark SQL', () => {
    const sql = consolidationSql(spec, 'spark');
    expect(sql).toContain("FROM `db_silver`.`sot` WHERE `anomesdia` = '20240119'");
    expect(sql).toContain('CAST(NULL AS STRING) AS `cod_moed`');
    expect(sql).not.toContain('"');
  });

  it('rejects a source whose origin is not in origens', () => {
    expect(() => consolidationSql({ ...spec, sources: [{ origem: 'x', relation: 't', columns: [] }] }, 'duckdb')).toThrow(
      'Origin "x" is not one of',
    );
  });
});
