import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDbQueryEngine } from '../../../lambdas/adapters/local/duckdb-query-engine.js';
import { FsObjectStore } from '../../../lambdas/adapters/local/fs-object-store.js';
import { JsonCatalog } from '../../../lambdas/adapters/local/json-catalog.js';
import { LocalTableUnreadableError } from '../../../lambdas/adapters/local/errors.js';
import type { TableColumn } from '../../../lambdas/core/columnar/types.js';
import { tableFromRows, writeParquet, tableColumns } from '../../support/parquet.js';

const columns: TableColumn[] = tableColumns({
  num_oper: 'string',
  cod_idef_ver_oper: 'integer',
  cod_cliente: 'long',
  vlr_oper: 'decimal(18,2)',
  dat_vlr_even_oper: 'timestamp',
});

describe('DuckDbQueryEngine', () => {
  let dir: string;
  let catalog: JsonCatalog;
  let lake: FsObjectStore;
  let engine: DuckDbQueryEngine;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'duckdb-engine-'));
    catalog = new JsonCatalog(join(dir, 'catalog.json'));
    lake = new FsObjectStore(join(dir, 'gold'));
    await catalog.ensureTable({
      database: 'db_batch',
      name: 'tbl_x',
      location: lake.uri('db_batch/tbl_x/'),
      columns,
      partitionKeys: ['anomesdia'],
    });
    engine = await DuckDbQueryEngine.open({ catalog, resolve: (location) => fileURLToPath(location) });
  });
  afterEach(async () => {
    engine.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function partition(day: string, run: string, rows: Record<string, unknown>[]) {
    const prefix = `db_batch/tbl_x/anomesdia=${day}/run=${run}/`;
    await lake.put(`${prefix}part-00000.parquet`, writeParquet(tableFromRows(columns, rows as never)));
    await catalog.upsertPartition('db_batch', 'tbl_x', { anomesdia: day }, `${lake.uri(prefix)}/`);
  }

  it('queries a catalog table by database.table over its registered partitions, with typed plain values (decimals as exact text)', async () => {
    await partition('20240119', 'r1', [
      {
        num_oper: 'A',
        cod_idef_ver_oper: 1,
        cod_cliente: 9007199254740993n,
        vlr_oper: 123456789012345678n,
        dat_vlr_even_oper: new Date('2024-01-19T03:00:00Z'),
      },
    ]);
    await partition('20240120', 'r1', [
      { num_oper: 'B', cod_idef_ver_oper: 2, cod_cliente: null, vlr_oper: -125n, dat_vlr_even_oper: null },
    ]);
    const rows = await engine.query('SELECT * FROM db_batch.tbl_x ORDER BY num_oper');
    expect(rows).toEqual([
      {
        num_oper: 'A',
        cod_idef_ver_oper: 1,
        // Past 2^53 a long comes back as its text, a decimal always.
        cod_cliente: '9007199254740993',
        vlr_oper: '1234567890123456.78',
        dat_vlr_even_oper: new Date('2024-01-19T03:00:00Z'),
        anomesdia: '20240119',
      },
      { num_oper: 'B', cod_idef_ver_oper: 2, cod_cliente: null, vlr_oper: '-1.25', dat_vlr_even_oper: null, anomesdia: '20240120' },
    ]);
  });

  it("reads an old partition as the table's current columns: an added column as a typed NULL, a widened one cast to its new type", async () => {
    await partition('20240119', 'r1', [{ num_oper: 'A', cod_idef_ver_oper: 7, vlr_oper: 125n }]);
    // The table after a compatible change: cod_idef_ver_oper integer -> long, vlr_oper decimal(18,2) -> decimal(20,4), canal added.
    const evolved: TableColumn[] = [
      { name: 'num_oper', type: 'string' },
      { name: 'cod_idef_ver_oper', type: 'long' },
      { name: 'vlr_oper', type: 'decimal', precision: 20, scale: 4 },
      { name: 'canal', type: 'string' },
    ];
    await catalog.putTable({
      database: 'db_batch',
      name: 'tbl_x',
      location: lake.uri('db_batch/tbl_x/'),
      columns: evolved,
      partitionKeys: ['anomesdia'],
    });
    const prefix = 'db_batch/tbl_x/anomesdia=20240120/run=r1/';
    await lake.put(
      `${prefix}part-00000.parquet`,
      writeParquet(tableFromRows(evolved, [{ num_oper: 'B', cod_idef_ver_oper: 2n ** 40n, vlr_oper: 1n, canal: 'web' }] as never)),
    );
    await catalog.upsertPartition('db_batch', 'tbl_x', { anomesdia: '20240120' }, lake.uri(prefix));
    const rows = await engine.query(
      'SELECT *, typeof(cod_idef_ver_oper) AS t_ver, typeof(vlr_oper) AS t_vlr, typeof(canal) AS t_canal FROM db_batch.tbl_x ORDER BY num_oper',
    );
    const types = { t_ver: 'BIGINT', t_vlr: 'DECIMAL(20,4)', t_canal: 'VARCHAR' };
    expect(rows).toEqual([
      { num_oper: 'A', cod_idef_ver_oper: 7, vlr_oper: '1.2500', canal: null, anomesdia: '20240119', ...types },
      { num_oper: 'B', cod_idef_ver_oper: 2 ** 40, vlr_oper: '0.0001', canal: 'web', anomesdia: '20240120', ...types },
    ]);
  });

  it('sees only the partition location the catalog points at now', async () => {
    await partition('20240119', 'r1', [{ num_oper: 'old' }]);
    expect(await engine.query("SELECT num_oper FROM db_batch.tbl_x WHERE anomesdia = '20240119'")).toEqual([{ num_oper: 'old' }]);
    await partition('20240119', 'r2', [{ num_oper: 'new' }]);
    expect(await engine.query('SELECT num_oper FROM db_batch.tbl_x')).toEqual([{ num_oper: 'new' }]);
  });

  it('fails only the queries on a table with an unreadable file, naming the file, and keeps no stale view of it', async () => {
    await catalog.ensureTable({
      database: 'db_other',
      name: 'tbl_y',
      location: lake.uri('db_other/tbl_y/'),
      columns,
      partitionKeys: ['anomesdia'],
    });
    await partition('20240119', 'r1', [{ num_oper: 'A' }]);
    await lake.put(
      'db_other/tbl_y/anomesdia=20240119/run=r1/part-00000.parquet',
      writeParquet(tableFromRows(columns, [{ num_oper: 'Y' }] as never)),
    );
    await catalog.upsertPartition('db_other', 'tbl_y', { anomesdia: '20240119' }, lake.uri('db_other/tbl_y/anomesdia=20240119/run=r1/'));
    expect(await engine.query('SELECT num_oper FROM db_batch.tbl_x')).toEqual([{ num_oper: 'A' }]);

    const bad = 'db_batch/tbl_x/anomesdia=20240119/run=r1/part-00001.parquet';
    await lake.put(bad, 'PAR1 cut off by a crash');
    const err = await engine.query('SELECT num_oper FROM db_batch.tbl_x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LocalTableUnreadableError);
    expect((err as Error).message).toContain(
      `Table db_batch.tbl_x cannot be read: file ${fileURLToPath(lake.uri(bad))} is not readable Parquet`,
    );
    await expect(engine.query('SELECT t.num_oper FROM db_other.tbl_y t JOIN db_batch.tbl_x USING (num_oper)')).rejects.toThrow(
      LocalTableUnreadableError,
    );
    expect(await engine.query('SELECT num_oper FROM db_other.tbl_y')).toEqual([{ num_oper: 'Y' }]);
    await expect(engine.query('SELECT * FROM db_other.nope')).rejects.toThrow(/Catalog Error: Table with name nope does not exist/);
    await lake.delete([bad]);
    expect(await engine.query('SELECT num_oper FROM db_batch.tbl_x')).toEqual([{ num_oper: 'A' }]);
  });

  it('answers an empty result for a table without partitions, and reports SQL errors', async () => {
    expect(await engine.query('SELECT count(*) AS n FROM db_batch.tbl_x')).toEqual([{ n: 0 }]);
    await expect(engine.query('SELECT * FROM db_batch.nope')).rejects.toThrow(/nope/);
  });
});
