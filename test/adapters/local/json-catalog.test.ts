import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { JsonCatalog } from '../../../lambdas/adapters/local/json-catalog.js';
import { CatalogTableNotFoundError } from '../../../lambdas/ports/errors.js';

const table = {
  database: 'db_batch',
  name: 'tbl_x',
  location: 'file:///lake/gold/db_batch/tbl_x/',
  columns: [{ name: 'num_oper', type: 'string' as const }],
  partitionKeys: ['anomesdia'],
};

describe('JsonCatalog', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'json-catalog-'));
    file = join(dir, 'nested', 'catalog.json');
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('keeps tables and partition locations in one JSON file that a new instance reads back', async () => {
    const catalog = new JsonCatalog(file);
    await catalog.ensureTable(table);
    await catalog.upsertPartition('db_batch', 'tbl_x', { anomesdia: '20240119' }, 'file:///a/');
    await catalog.upsertPartition('db_batch', 'tbl_x', { anomesdia: '20240119' }, 'file:///b/');
    const again = new JsonCatalog(file);
    expect(await again.getTable('db_batch', 'tbl_x')).toEqual(table);
    expect(await again.getPartitionLocation('db_batch', 'tbl_x', { anomesdia: '20240119' })).toBe('file:///b/');
    expect(await again.getPartitionLocation('db_batch', 'tbl_x', { anomesdia: '20240120' })).toBeUndefined();
    expect(await again.partitions('db_batch', 'tbl_x')).toEqual([{ values: { anomesdia: '20240119' }, location: 'file:///b/' }]);
    expect(await readdir(join(dir, 'nested'))).toEqual(['catalog.json']);
  });

  it('keeps every one of many concurrent updates and leaves an existing table as it is', async () => {
    const catalog = new JsonCatalog(file);
    await catalog.ensureTable(table);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        catalog.upsertPartition('db_batch', 'tbl_x', { anomesdia: `202401${String(i + 10)}` }, `file:///p${i}/`),
      ),
    );
    // Declaring a table again changes nothing and writes nothing: a reader (npm run query) never writes an
    // older file back over a run's partitions.
    const written = await stat(file);
    await new JsonCatalog(file).ensureTable({ ...table, location: 'file:///elsewhere/' });
    expect((await stat(file)).ino).toBe(written.ino);
    expect(await catalog.partitions('db_batch', 'tbl_x')).toHaveLength(20);
    expect((await catalog.getTable('db_batch', 'tbl_x')).location).toBe(table.location);
  });

  it('keeps locations inside its folder relative to it, so that a moved folder resolves them in its new place', async () => {
    const inside = (folder: string, path: string) => pathToFileURL(join(folder, 'nested', path)).href;
    const catalog = new JsonCatalog(file);
    await catalog.ensureTable({ ...table, location: `${inside(dir, 'lake/gold/db_batch/tbl_x')}/` });
    await catalog.upsertPartition(
      'db_batch',
      'tbl_x',
      { anomesdia: '20240119' },
      `${inside(dir, 'lake/gold/db_batch/tbl_x/anomesdia=20240119/run=a b')}/`,
    );
    await catalog.upsertPartition('db_batch', 'tbl_x', { anomesdia: '20240120' }, 'file:///elsewhere/p/');
    const stored = JSON.parse(await readFile(file, 'utf8')) as {
      tables: Record<string, { table: { location: string }; partitions: unknown }>;
    };
    expect(stored.tables['db_batch.tbl_x']).toMatchObject({
      table: { location: './lake/gold/db_batch/tbl_x/' },
      partitions: {
        'anomesdia=20240119': './lake/gold/db_batch/tbl_x/anomesdia=20240119/run=a b/',
        'anomesdia=20240120': 'file:///elsewhere/p/',
      },
    });

    const moved = `${dir}-moved`;
    await rename(dir, moved);
    try {
      const there = new JsonCatalog(join(moved, 'nested', 'catalog.json'));
      expect((await there.getTable('db_batch', 'tbl_x')).location).toBe(`${inside(moved, 'lake/gold/db_batch/tbl_x')}/`);
      expect(await there.getPartitionLocation('db_batch', 'tbl_x', { anomesdia: '20240119' })).toBe(
        `${inside(moved, 'lake/gold/db_batch/tbl_x/anomesdia=20240119/run=a b')}/`,
      );
      expect((await there.partitions('db_batch', 'tbl_x')).map((p) => p.location)).toEqual([
        `${inside(moved, 'lake/gold/db_batch/tbl_x/anomesdia=20240119/run=a b')}/`,
        'file:///elsewhere/p/',
      ]);
    } finally {
      await rename(moved, dir);
    }
  });

  it('reads an older catalog holding absolute file:// locations, and stores them relative when it next writes', async () => {
    const location = `${pathToFileURL(join(dir, 'nested', 'lake', 'silver', 'sor', 'anomesdia=20240119')).href}/`;
    await mkdir(join(dir, 'nested'));
    await writeFile(
      file,
      JSON.stringify({ tables: { 'db_batch.tbl_x': { table: { ...table, location }, partitions: { 'anomesdia=20240119': location } } } }),
    );
    const catalog = new JsonCatalog(file);
    expect(await catalog.getPartitionLocation('db_batch', 'tbl_x', { anomesdia: '20240119' })).toBe(location);
    await catalog.upsertPartition('db_batch', 'tbl_x', { anomesdia: '20240120' }, location);
    const stored = await readFile(file, 'utf8');
    expect(stored).not.toContain('file:');
    expect((await catalog.partitions('db_batch', 'tbl_x')).map((p) => p.location)).toEqual([location, location]);
  });

  it('reports a missing table, a missing partition value and an unreadable file', async () => {
    const catalog = new JsonCatalog(file);
    await expect(catalog.getTable('db_batch', 'nope')).rejects.toThrow(CatalogTableNotFoundError);
    await expect(catalog.upsertPartition('db_batch', 'nope', { anomesdia: '1' }, 'x')).rejects.toThrow(
      'Table db_batch.nope is not in the catalog',
    );
    await catalog.ensureTable(table);
    await expect(catalog.upsertPartition('db_batch', 'tbl_x', {}, 'x')).rejects.toThrow('needs a value for "anomesdia"');
    await writeFile(file, '{ not json');
    await expect(catalog.getTable('db_batch', 'tbl_x')).rejects.toThrow(`Local catalog ${file} is unreadable`);
    expect(await readFile(file, 'utf8')).toBe('{ not json');
  });
});
