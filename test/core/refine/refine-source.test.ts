import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { filesSource } from '../../support/configs.js';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { fileURLToPath } from 'node:url';
import { FsObjectStore } from '../../../lambdas/adapters/local/fs-object-store.js';
import { parsePipelineConfig, type PipelineConfig } from '../../../lambdas/core/config.js';
import { ingestSource } from '../../../lambdas/core/ingest/ingest-source.js';
import { bronzeKeys } from '../../../lambdas/core/ingest/bronze-layout.js';
import { refineSource } from '../../../lambdas/core/refine/refine-source.js';
import type { QuarantineEntry } from '../../../lambdas/core/refine/types.js';
import { silverTable } from '../../../lambdas/core/lake/layout.js';
import { startPaginatedApi, type PaginatedApi } from '../../../local/paginated-api.js';
import { MemoryCatalog } from '../../support/memory-catalog.js';
import { MemoryPartitionVersions } from '../../support/memory-partition-versions.js';
import { TOKEN, animal, crashOnFirstMove, filesConfig, httpConfig, listKeys, operation, secrets, window } from '../ingest/support.js';
import { tempStore } from '../../support/temp-store.js';

/** A part of a silver version of a run: `<source>/anomesdia=<day>/run=<run>/v=<id>/part-00000.parquet`. */
const VERSION_PART = (source: string, day: string, run: string) =>
  new RegExp(`^${source}/anomesdia=${day}/run=${run}/v=[0-9a-z]+/part-00000\\.parquet$`);

let bronze: FsObjectStore;
let silver: FsObjectStore;
let catalog: MemoryCatalog;
let versions: MemoryPartitionVersions;
const cleanups: (() => Promise<void>)[] = [];
let db: DuckDBInstance;
let sql: DuckDBConnection;

beforeAll(async () => {
  db = await DuckDBInstance.create(':memory:');
  sql = await db.connect();
});
afterAll(() => {
  sql.closeSync();
  db.closeSync();
});
beforeEach(async () => {
  const b = await tempStore();
  const s = await tempStore();
  bronze = b.store;
  silver = s.store;
  cleanups.push(b.cleanup, s.cleanup);
  catalog = new MemoryCatalog();
  versions = new MemoryPartitionVersions();
});
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function prepare(config: PipelineConfig) {
  for (const s of config.sources) {
    const t = silverTable(config, s);
    await catalog.ensureTable({
      database: t.database,
      name: t.name,
      location: silver.uri(t.prefix),
      columns: t.columns,
      partitionKeys: t.partitionKeys,
    });
  }
}

/** Rows of the partition the catalog points at, read by DuckDB, ordered as stored. */
async function silverRows(config: PipelineConfig, source: string, anomesdia: string, columns = '*') {
  const location = await catalog.getPartitionLocation(
    silverTable(
      config,
      config.sources.find((s) => s.name === source)!,
    ).database,
    source,
    { anomesdia },
  );
  expect(location, `catalog partition ${source}/${anomesdia}`).toBeDefined();
  const reader = await sql.runAndReadAll(
    `SELECT ${columns} FROM read_parquet('${fileURLToPath(location!)}*.parquet', hive_partitioning = false)`,
  );
  return reader.getRowObjectsJson();
}

const typesConfig = parsePipelineConfig({
  sources: [
    filesSource(
      'tipos',
      [
        { name: 'id', type: 'string', required: true },
        { name: 'qtd', type: 'integer' },
        { name: 'cod', type: 'long' },
        { name: 'taxa', type: 'double' },
        { name: 'valor', type: 'decimal', precision: 10, scale: 2, required: true },
        { name: 'ativo', type: 'boolean' },
        { name: 'nascimento', type: 'date' },
        { name: 'evento', type: 'timestamp', required: true, format: 'epoch_millis' },
      ],
      'evento',
    ),
  ],
});

describe('refineSource', () => {
  it('writes valid rows with the declared types (read by DuckDB) and quarantines every invalid row with its reason', async () => {
    await prepare(typesConfig);
    const valid = [
      {
        id: 'b',
        qtd: '2',
        cod: 9007199254740000,
        taxa: '0.5',
        valor: '10.10',
        ativo: 'true',
        nascimento: '1990-05-17',
        evento: '2024-01-19T10:00:00-03:00',
      },
      {
        id: 'a',
        qtd: 1,
        cod: '12',
        taxa: 1.25,
        valor: 99999999.99,
        ativo: false,
        nascimento: null,
        evento: 1705658400000,
        extra: 'ignored',
      },
    ];
    const invalid = [
      { id: 'c', valor: '1.234', evento: '2024-01-19T11:00:00Z' },
      { id: 'd', qtd: 'many', valor: 1, evento: '2024-01-19T12:00:00Z' },
      { valor: 1, evento: '2024-01-19T13:00:00Z' },
      { id: 'f', valor: 1, evento: '2024-01-19T14:00:00Z', nascimento: '19/01/2024' },
    ];
    await bronze.put('pending/tipos/t.ndjson', [...valid, ...invalid].map((r) => JSON.stringify(r)).join('\n'));
    const ingest = await ingestSource({ config: typesConfig, bronze, secrets }, { runId: 'i1', source: 'tipos', window });
    expect(ingest.anomesdias).toEqual(['20240119']);
    const result = await refineSource(
      { config: typesConfig, bronze, silver, catalog, versions },
      { runId: 'r1', source: 'tipos', window, anomesdias: ingest.anomesdias },
    );
    expect(result).toMatchObject({
      source: 'tipos',
      rows_read: 6,
      rows_written: 2,
      rows_invalid: 4,
      rows_duplicate: 0,
      anomesdias: ['20240119'],
      quarantine: [expect.stringMatching(/^_quarantine\/tipos\/anomesdia=20240119\/run=r1\/v=[0-9a-z]+\.ndjson$/)],
    });
    // Listed first: a step record keeps only the first objects, and the quarantine is what a person looks for.
    expect(result.objects[0]).toBe(result.quarantine![0]);

    const location = fileURLToPath((await catalog.getPartitionLocation('db_silver', 'tipos', { anomesdia: '20240119' }))!);
    const described = await sql.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${location}*.parquet', hive_partitioning = false)`);
    expect(Object.fromEntries(described.getRowObjects().map((r) => [r.column_name, r.column_type]))).toEqual({
      id: 'VARCHAR',
      qtd: 'INTEGER',
      cod: 'BIGINT',
      taxa: 'DOUBLE',
      valor: 'DECIMAL(10,2)',
      ativo: 'BOOLEAN',
      nascimento: 'DATE',
      evento: 'TIMESTAMP',
      _content_hash: 'VARCHAR',
      _ingested_at: 'TIMESTAMP',
      _run_id: 'VARCHAR',
    });
    const rows = await silverRows(
      typesConfig,
      'tipos',
      '20240119',
      "id, qtd, cod, taxa, valor::VARCHAR AS valor, ativo, nascimento::VARCHAR AS nascimento, strftime(evento, '%Y-%m-%dT%H:%M:%S') AS evento, _run_id",
    );
    // Sorted by the partition (watermark) field.
    expect(rows).toEqual([
      {
        id: 'a',
        qtd: 1,
        cod: '12',
        taxa: 1.25,
        valor: '99999999.99',
        ativo: false,
        nascimento: null,
        evento: '2024-01-19T10:00:00',
        _run_id: 'i1',
      },
      {
        id: 'b',
        qtd: 2,
        cod: '9007199254740000',
        taxa: 0.5,
        valor: '10.10',
        ativo: true,
        nascimento: '1990-05-17',
        evento: '2024-01-19T13:00:00',
        _run_id: 'i1',
      },
    ]);

    const entries = new TextDecoder()
      .decode(await silver.get(result.quarantine![0]!))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as QuarantineEntry);
    expect(entries.map((e) => [e.record, e.field, e.reason])).toEqual([
      [invalid[0], 'valor', '"1.234" has 3 decimal places, more than the scale 2 of decimal(10,2)'],
      [invalid[1], 'qtd', 'expected an integer (32-bit), got "many"'],
      [invalid[2], 'id', 'required field is missing'],
      [invalid[3], 'nascimento', 'expected a date (yyyy-mm-dd), got "19/01/2024"'],
    ]);
    expect(entries.map((e) => e.line)).toEqual([3, 4, 5, 6]);
    expect(
      entries.every(
        (e) =>
          e.source === 'tipos' &&
          e.bronze_object.startsWith('source=tipos/anomesdia=20240119/run=i1/part-') &&
          /^[0-9a-f]{64}$/.test(e._content_hash ?? ''),
      ),
    ).toBe(true);
  });

  it('drops exact duplicates: records that differ only in form give one silver row', async () => {
    const config = filesConfig();
    await prepare(config);
    const same = [
      { id_animal: 'A1', especie: 'bovino', peso_kg: '100.50', dat_registro: '2024-01-19T10:00:00Z' },
      { id_animal: 'A1', especie: 'bovino', peso_kg: 100.5, dat_registro: '2024-01-19T07:00:00-03:00' },
      { id_animal: 'A1', especie: 'bovino', peso_kg: 100.5, dat_registro: '2024-01-19T10:00:00Z', origem: 'x' },
    ];
    await bronze.put('pending/animais/a.ndjson', same.map((r) => JSON.stringify(r)).join('\n'));
    const ingest = await ingestSource({ config, bronze, secrets }, { runId: 'i1', source: 'animais', window });
    expect(ingest.records_new).toBe(3);
    const result = await refineSource(
      { config, bronze, silver, catalog, versions },
      { runId: 'r1', source: 'animais', window, anomesdias: ingest.anomesdias },
    );
    expect(result).toMatchObject({ rows_read: 3, rows_written: 1, rows_duplicate: 2, rows_invalid: 0 });
    expect(result.quarantine).toBeUndefined();
  });

  it('rebuilds the partition from every committed bronze record: hourly runs accumulate, a rerun writes the same rows, old runs go', async () => {
    const api: PaginatedApi = await startPaginatedApi({
      style: 'page',
      total: 1_234,
      record: operation,
      token: TOKEN,
      window: { field: 'updated_at' },
    });
    cleanups.push(() => api.stop());
    const config = httpConfig(api.url, { style: 'page', pageSize: 100 });
    // No grace period: a superseded version goes as soon as a newer one is published.
    config.limits.supersededGraceMinutes = 0;
    await prepare(config);
    const first = { ...window, mode: 'hourly' as const, to: '2024-01-19T12:00:00.000Z', anomesdias: ['20240119'] };
    const a = await ingestSource({ config, bronze, secrets }, { runId: 'h1', source: 'ops', window: first });
    const ra = await refineSource(
      { config, bronze, silver, catalog, versions },
      { runId: 'h1', source: 'ops', window: first, anomesdias: a.anomesdias },
    );
    expect(ra.rows_written).toBe(a.records_new);
    const second = { ...window, mode: 'hourly' as const, from: first.to };
    const b = await ingestSource({ config, bronze, secrets }, { runId: 'h2', source: 'ops', window: second });
    const rb = await refineSource(
      { config, bronze, silver, catalog, versions },
      { runId: 'h2', source: 'ops', window: second, anomesdias: b.anomesdias },
    );
    expect(rb.partitions.find((p) => p.anomesdia === '20240119')!.rows_written).toBe(
      a.records_new + (b.partitions.find((p) => p.anomesdia === '20240119')?.records_new ?? 0),
    );
    const before19 = await silverRows(config, 'ops', '20240119');
    const before20 = await silverRows(config, 'ops', '20240120');
    expect(before19.length + before20.length).toBe(1_234);

    // The whole window again, under a new run id: no new bronze records, the same silver rows.
    const c = await ingestSource({ config, bronze, secrets }, { runId: 'again', source: 'ops', window });
    expect(c).toMatchObject({ records_seen: 1_234, records_new: 0 });
    const rc = await refineSource(
      { config, bronze, silver, catalog, versions },
      { runId: 'again', source: 'ops', window, anomesdias: c.anomesdias },
    );
    expect(rc.rows_written).toBe(1_234);
    expect(await silverRows(config, 'ops', '20240119')).toEqual(before19);
    expect(await silverRows(config, 'ops', '20240120')).toEqual(before20);
    const kept = await listKeys(silver, 'ops/');
    expect(kept).toEqual([
      expect.stringMatching(VERSION_PART('ops', '20240119', 'again')),
      expect.stringMatching(VERSION_PART('ops', '20240120', 'again')),
    ]);
    expect(await catalog.getPartitionLocation('db_silver', 'ops', { anomesdia: '20240120' })).toBe(
      `${silver.uri(kept[1]!.replace(/part-00000\.parquet$/, ''))}/`,
    );
  });

  it("finds each dropped file's rows exactly once in silver after a crash before the move and a rerun", async () => {
    const config = filesConfig();
    await prepare(config);
    await bronze.put('pending/animais/a.ndjson', [1, 2, 3].map((i) => JSON.stringify(animal(i))).join('\n'));
    await bronze.put('pending/animais/b.json', [animal(4), animal(5, 20)].map((r) => JSON.stringify(r)).join('\n'));
    await expect(
      ingestSource({ config, bronze: crashOnFirstMove(bronze, 'done/'), secrets }, { runId: 'i1', source: 'animais', window }),
    ).rejects.toThrow(/simulated crash/);
    const rerun = await ingestSource({ config, bronze, secrets }, { runId: 'i2', source: 'animais', window });
    const result = await refineSource(
      { config, bronze, silver, catalog, versions },
      { runId: 'r2', source: 'animais', window, anomesdias: rerun.anomesdias },
    );
    expect(result).toMatchObject({ rows_read: 5, rows_written: 5, rows_invalid: 0, anomesdias: ['20240119', '20240120'] });
    const ids = [
      ...(await silverRows(config, 'animais', '20240119', 'id_animal')),
      ...(await silverRows(config, 'animais', '20240120', 'id_animal')),
    ].map((r) => r.id_animal);
    expect(ids.sort()).toEqual(['A1', 'A2', 'A3', 'A4', 'A5']);
  });

  it('ignores bronze parts that no hash index commits, and skips days without bronze', async () => {
    const config = filesConfig();
    await prepare(config);
    await bronze.put('pending/animais/a.ndjson', JSON.stringify(animal(1)));
    const ingest = await ingestSource({ config, bronze, secrets }, { runId: 'i1', source: 'animais', window });
    // An orphan part, as a run that died before its index leaves it.
    await bronze.put(bronzeKeys.part('animais', '20240119', 'dead', 1), new Uint8Array([1, 2, 3]));
    const result = await refineSource(
      { config, bronze, silver, catalog, versions },
      { runId: 'r1', source: 'animais', window, anomesdias: [...ingest.anomesdias, '20240125'] },
    );
    expect(result).toMatchObject({ rows_read: 1, rows_written: 1, anomesdias: ['20240119'] });
    expect(result.message).toMatch(/1 partition\(s\) had no bronze records/);
  });

  it('splits a big partition into several Parquet parts, and a retry of the same run leaves no stale part', async () => {
    const config = filesConfig();
    config.limits.supersededGraceMinutes = 0;
    await prepare(config);
    await bronze.put('pending/animais/a.ndjson', [1, 2, 3, 4, 5].map((i) => JSON.stringify(animal(i))).join('\n'));
    const ingest = await ingestSource({ config, bronze, secrets }, { runId: 'i1', source: 'animais', window });
    const split = await refineSource(
      { config, bronze, silver, catalog, versions, rowsPerFile: 2 },
      { runId: 'r1', source: 'animais', window, anomesdias: ingest.anomesdias },
    );
    expect(split.partitions[0]!.objects).toHaveLength(3);
    const rows = await silverRows(config, 'animais', '20240119', 'id_animal');
    expect(rows.map((r) => r.id_animal)).toEqual(['A1', 'A2', 'A3', 'A4', 'A5']);
    const retry = await refineSource(
      { config, bronze, silver, catalog, versions },
      { runId: 'r1', source: 'animais', window, anomesdias: ingest.anomesdias },
    );
    expect(retry.objects).toEqual([expect.stringMatching(VERSION_PART('animais', '20240119', 'r1'))]);
    expect(await listKeys(silver, 'animais/')).toEqual(retry.objects);
    expect(await silverRows(config, 'animais', '20240119', 'id_animal')).toEqual(rows);
  });
});
