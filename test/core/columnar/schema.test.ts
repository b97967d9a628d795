import { describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TableColumn } from '../../../lambdas/core/columnar/types.js';
import { readParquet, rowsFromTable, tableFromRows, writeParquet, tableColumns } from '../../support/parquet.js';

const columns: TableColumn[] = tableColumns({
  num_oper: 'string',
  cod_idef_ver_oper: 'integer',
  cod_cliente: 'long',
  vlr_oper: 'decimal(18,2)',
  taxa: 'double',
  flg_ativo: 'boolean',
  dat_nascimento: 'date',
  dat_vlr_even_oper: 'timestamp',
});
const rows = [
  {
    num_oper: 'OP-1',
    cod_idef_ver_oper: 1,
    cod_cliente: 9007199254740993n,
    vlr_oper: 123456789012345678n,
    taxa: 0.125,
    flg_ativo: true,
    dat_nascimento: new Date('1990-05-17T00:00:00Z'),
    dat_vlr_even_oper: Date.parse('2024-01-19T10:00:00.123Z') * 1000 + 456,
  },
  {
    num_oper: 'OP-2',
    cod_idef_ver_oper: null,
    cod_cliente: null,
    vlr_oper: null,
    taxa: null,
    flg_ativo: null,
    dat_nascimento: null,
    dat_vlr_even_oper: null,
  },
];

describe('parquet', () => {
  it('round-trips every field type with nulls', async () => {
    const bytes = writeParquet(tableFromRows(columns, rows));
    const back = await readParquet(bytes);
    expect(back.columns).toEqual(columns);
    expect(rowsFromTable(back)).toEqual(rows);
  });

  it('writes files that DuckDB reads with the declared SQL types', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parquet-'));
    try {
      const file = join(dir, 'x.parquet');
      await writeFile(file, writeParquet(tableFromRows(columns, rows)));
      const db = await DuckDBInstance.create(':memory:');
      const conn = await db.connect();
      const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`);
      const types = Object.fromEntries(described.getRowObjects().map((r) => [r.column_name, r.column_type]));
      expect(types).toEqual({
        num_oper: 'VARCHAR',
        cod_idef_ver_oper: 'INTEGER',
        cod_cliente: 'BIGINT',
        vlr_oper: 'DECIMAL(18,2)',
        taxa: 'DOUBLE',
        flg_ativo: 'BOOLEAN',
        dat_nascimento: 'DATE',
        dat_vlr_even_oper: 'TIMESTAMP',
      });
      const result = await conn.runAndReadAll(
        `SELECT CAST(vlr_oper AS VARCHAR) v, CAST(dat_vlr_even_oper AS VARCHAR) t FROM read_parquet('${file}') WHERE num_oper = 'OP-1'`,
      );
      expect(result.getRowObjects()).toEqual([{ v: '1234567890123456.78', t: '2024-01-19 10:00:00.123456' }]);
      conn.closeSync();
      db.closeSync();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
