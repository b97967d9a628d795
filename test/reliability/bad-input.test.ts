// Bad input across the pipeline that no other test covers: config fields, HTTP pages, dropped files,
// record values and silver files. Each test shows the error or quarantine reason and where the data went;
// The README (Reliability > Bad input) lists every kind with the test that shows it.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { FIELD_TYPES, parsePipelineConfig, type PipelineConfig } from '../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../lambdas/core/default-config.js';
import { ingestSource, readRunManifests } from '../../lambdas/core/ingest/ingest-source.js';
import { HttpNetworkError, HttpStatusError, MalformedPageError } from '../../lambdas/core/ingest/errors.js';
import { refineSource } from '../../lambdas/core/refine/refine-source.js';
import type { QuarantineEntry } from '../../lambdas/core/refine/types.js';
import { SilverFileSchemaError } from '../../lambdas/core/consolidate/errors.js';
import { ParquetFormatError } from '../../lambdas/core/columnar/errors.js';
import { writeColumns } from '../../lambdas/core/columnar/writer.js';
import { silverColumns } from '../../lambdas/core/lake/tables.js';
import { goldLayout, silverTable } from '../../lambdas/core/lake/layout.js';
import type { FsObjectStore } from '../../lambdas/adapters/local/fs-object-store.js';
import { MemoryCatalog } from '../support/memory-catalog.js';
import { configError, filesSource } from '../support/configs.js';
import { readParquet, rowsFromTable, tableFromRows } from '../support/parquet.js';
import { consolidateHere, silverOp as op, startConsolidationLake, type ConsolidationLake } from '../support/consolidation-lake.js';
import { startTestDynamo, type TestDynamo } from '../support/dynalite.js';
import { MemoryPartitionVersions } from '../support/memory-partition-versions.js';
import { locationIn } from '../../lambdas/core/lake/publication.js';
import {
  animal,
  committedBronze,
  filesConfig,
  httpConfig,
  listKeys,
  operation,
  secrets,
  startJsonServer,
  window,
} from '../core/ingest/support.js';
import { tempStore, tempStoreEachTest } from '../support/temp-store.js';

describe('bad config', () => {
  it('names a source declared twice, a field declared twice, a decision field an origin lacks and a partition field that is no time', () => {
    const raw = structuredClone(defaultPipelineConfig) as any;
    raw.sources[1].name = 'sor';
    raw.sources[0].fields.push({ name: 'vlr_oper', type: 'double' });
    raw.sources[0].partitionField = 'cod_moed';
    raw.consolidations[0].campos_decisao = ['dat_vlr_even_oper', 'nao_existe'];
    const issues = configError(raw).issues;
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'sources[1].name', message: 'source "sor" is declared twice' },
        { path: 'sources[0].fields[9].name', message: 'field "vlr_oper" is declared twice' },
        { path: 'sources[0].partitionField', message: '"cod_moed" must be a timestamp or date field, not string' },
        { path: 'consolidations[0].campos_decisao[1]', message: 'decision field "nao_existe" is not a field of origin "sor"' },
      ]),
    );
  });

  it('names a name that is not an identifier and a limit out of range', () => {
    const raw = structuredClone(defaultPipelineConfig) as any;
    raw.sources[0].name = 'Sor-Ops';
    raw.limits = { httpPagesInFlight: 0, retry: { maxAttempts: 50 } };
    const paths = configError(raw).issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['sources[0].name', 'limits.httpPagesInFlight', 'limits.retry.maxAttempts']));
    expect(configError(raw).message).toMatch(/sources\[0\]\.name: use lower case letters, digits and underscores, starting with a letter/);
  });
});

describe('bad HTTP pages', () => {
  let store: FsObjectStore;
  const servers = tempStoreEachTest((temp) => (store = temp.store));

  async function serve(answer: Parameters<typeof startJsonServer>[0]) {
    const server = await startJsonServer(answer);
    servers.push(server);
    return server;
  }
  const run = (config: PipelineConfig, runId = 'run-1') =>
    ingestSource({ config, bronze: store, secrets }, { runId, source: 'ops', window });
  async function expectNothingCommitted() {
    expect(await listKeys(store, 'source=ops/_manifests/')).toEqual([]);
    expect(await committedBronze(store, 'ops')).toEqual([]);
  }

  it('fails a page without the records path, or with an object there, naming the path, and commits nothing', async () => {
    const missing = await serve(() => ({ body: { items: [operation(1)] } }));
    await expect(run(httpConfig(missing.url, { style: 'page' }))).rejects.toThrow(
      /^Source "ops" page 1 \(http:\/\/127\.0\.0\.1:\d+\/records\?.*\) is malformed: no records array at "data"\. Check the source's http\.recordsPath/,
    );
    const object = await serve(() => ({ body: { data: { id: 1 } } }));
    await expect(run(httpConfig(object.url, { style: 'page' }))).rejects.toThrow(/is malformed: data: .*expected array/);
    const bare = await serve(() => ({ body: null }));
    await expect(run(httpConfig(bare.url, { style: 'page' }, { recordsPath: '' }))).rejects.toThrow(
      /is malformed: no records array at the page itself/,
    );
    await expectNothingCommitted();
  });

  it('fails a 200 answer that is an HTML page or empty as not JSON, quoting the start of the body', async () => {
    const html = await serve(() => ({
      body: '<html><body>Service temporarily moved</body></html>',
      headers: { 'content-type': 'text/html' },
    }));
    await expect(run(httpConfig(html.url, { style: 'page' }))).rejects.toThrow(
      /is malformed: not JSON \(.*\); body starts "<html><body>Service/,
    );
    const empty = await serve(() => ({ body: '' }));
    await expect(run(httpConfig(empty.url, { style: 'cursor' }))).rejects.toThrow(MalformedPageError);
    await expectNothingCommitted();
  });

  it('fails a cursor or next link that is not a string, naming the path', async () => {
    const cursor = await serve(() => ({ body: { data: [operation(1)], next_cursor: { after: 2 } } }));
    await expect(run(httpConfig(cursor.url, { style: 'cursor' }))).rejects.toThrow(
      /page 1 .* is malformed: next_cursor: expected a string cursor, got \{"after":2\}/,
    );
    const link = await serve(() => ({ body: { data: [operation(1)], links: { next: 42 } } }));
    await expect(run(httpConfig(link.url, { style: 'link' }))).rejects.toThrow(/is malformed: links\.next: expected a URL, got 42/);
    await expectNothingCommitted();
  });

  it('fails a 404 at once with a hint at the endpoint, and a Retry-After beyond limits.retry.maxDelayMs without waiting', async () => {
    const missing = await serve(() => ({ status: 404, body: { error: 'no such resource' } }));
    await expect(run(httpConfig(missing.url, { style: 'page' }))).rejects.toThrow(
      /answered HTTP 404 after 1 attempt: \{"error":"no such resource"\}\. Check the source's http\.endpoint\./,
    );
    expect(missing.requests()).toBe(1);
    const throttled = await serve(() => ({ status: 429, body: 'slow down', headers: { 'retry-after': '3600' } }));
    const started = Date.now();
    const failure = run(httpConfig(throttled.url, { style: 'page' }));
    await expect(failure).rejects.toThrow(HttpStatusError);
    await expect(failure).rejects.toThrow(/Retry-After asks for 3600 s, beyond limits\.retry\.maxDelayMs/);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(throttled.requests()).toBe(1);
    await expectNothingCommitted();
  });

  it('fails a refused connection after the retries as HttpNetworkError naming the URL', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const failure = run(httpConfig(`http://127.0.0.1:${port}/records`, { style: 'page' }));
    await expect(failure).rejects.toThrow(HttpNetworkError);
    await expect(failure).rejects.toThrow(
      new RegExp(`could not reach http://127\\.0\\.0\\.1:${port}/records\\?.*ECONNREFUSED.*after 3 attempts`),
    );
    await expectNothingCommitted();
  });

  it('takes a page far bigger than asked (an API that ignores page_size) whole, each record once', async () => {
    const all = Array.from({ length: 20_000 }, (_, i) => operation(i));
    const server = await serve((url) => {
      const page = Number(url.searchParams.get('page'));
      return { body: { data: page === 1 ? all : [] } };
    });
    const result = await run(httpConfig(server.url, { style: 'page', pageSize: 100 }));
    expect(result).toMatchObject({ records_seen: 20_000, records_new: 20_000, pages: 1 });
    expect(new Set((await committedBronze(store, 'ops')).map((l) => l.line.record.num_oper)).size).toBe(20_000);
    expect(server.requests()).toBeLessThanOrEqual(1 + 8);
  });
});

describe('bad dropped files', () => {
  let store: FsObjectStore;
  tempStoreEachTest((temp) => (store = temp.store));
  const config = filesConfig();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  const run = (c: PipelineConfig = config, runId = 'r1') =>
    ingestSource({ config: c, bronze: store, secrets }, { runId, source: 'animais', window });

  it('moves a file that is not UTF-8 to error/, and reads one that starts with a byte order mark', async () => {
    await store.put('pending/animais/latin1.ndjson', Buffer.from('{"id_animal":"A1","especie":"b\xf3vino"}\n', 'latin1'));
    await store.put('pending/animais/bom.ndjson', `\ufeff${JSON.stringify(animal(1))}\n`);
    const result = await run();
    expect(result.files).toEqual({ done: ['done/animais/bom.ndjson'], error: ['error/animais/latin1.ndjson'] });
    expect(text(await store.get('error/animais/latin1.ndjson.reason.txt'))).toMatch(/^not UTF-8 text\n/);
    expect((await committedBronze(store, 'animais')).map((l) => l.line.record.id_animal)).toEqual(['A1']);
  });

  it('takes an empty or blank file as no records and moves it to done/', async () => {
    await store.put('pending/animais/empty.ndjson', '');
    await store.put('pending/animais/blank.ndjson', '\n  \n');
    const result = await run();
    expect(result).toMatchObject({
      records_seen: 0,
      files: { done: ['done/animais/blank.ndjson', 'done/animais/empty.ndjson'], error: [] },
    });
    const [manifest] = await readRunManifests(store, 'animais', 'r1');
    expect(manifest!.files!.map((f) => f.records)).toEqual([0, 0]);
  });

  it('moves a file whose last line was cut off to error/, none of its lines ingested', async () => {
    await store.put('pending/animais/cut.ndjson', `${JSON.stringify(animal(1))}\n${JSON.stringify(animal(2)).slice(0, 30)}`);
    const result = await run();
    expect(result.files!.error).toEqual(['error/animais/cut.ndjson']);
    expect(text(await store.get('error/animais/cut.ndjson.reason.txt'))).toMatch(/^line 2 is not JSON: /);
    expect(await committedBronze(store, 'animais')).toEqual([]);
  });

  it('moves a json file holding an element that is no object, or a bare number, to error/', async () => {
    const json = filesConfig();
    json.sources[0]!.files = { format: 'json' };
    await store.put('pending/animais/mixed.json', JSON.stringify([animal(1), 'A2']));
    await store.put('pending/animais/number.json', '42');
    const result = await run(json);
    expect(result.files!.error).toEqual(['error/animais/mixed.json', 'error/animais/number.json']);
    expect(text(await store.get('error/animais/mixed.json.reason.txt'))).toMatch(/^element 1 is not a JSON object/);
    expect(text(await store.get('error/animais/number.json.reason.txt'))).toMatch(
      /^files\.format is "json" \(one JSON array of objects \(or one object\) per file\), but the file holds a JSON number/,
    );
  });
});

describe('bad record values', () => {
  it('quarantines each invalid value of every type with its reason, in the partition its time gives (or the window end day)', async () => {
    const bronze = await tempStore();
    const silver = await tempStore();
    // One field of every type, named after it, besides the required id and time.
    const fields = [
      { name: 'id', type: 'string', required: true },
      ...FIELD_TYPES.map((type) => ({ name: type, type, ...(type === 'decimal' ? { precision: 10, scale: 2 } : {}) })),
      { name: 'evento', type: 'timestamp', required: true },
    ];
    const config = parsePipelineConfig({ sources: [filesSource('tipos', fields, 'evento')] });
    const ok = { id: 'x', evento: '2024-01-19T10:00:00Z' };
    const cases: [string, Record<string, unknown>, string, string][] = [
      ['int overflow', { integer: 2_147_483_648 }, 'integer', '2147483648 is outside the range of an integer (32-bit)'],
      ['int fraction', { integer: 1.5 }, 'integer', 'expected an integer (32-bit), got 1.5'],
      ['int text', { integer: '12abc' }, 'integer', 'expected an integer (32-bit), got "12abc"'],
      [
        'long beyond 2^63',
        { long: '9223372036854775808' },
        'long',
        '"9223372036854775808" is outside the range of a long integer (64-bit) (-2^63 .. 2^63-1)',
      ],
      ['double text', { double: 'NaN' }, 'double', 'expected a number, got "NaN"'],
      ['decimal places', { decimal: 1.234 }, 'decimal', '1.234 has more decimal places than the scale 2 of decimal(10,2)'],
      ['decimal digits', { decimal: '123456789.00' }, 'decimal', '"123456789.00" has 9 integer digits, more than decimal(10,2) holds (8)'],
      ['decimal text', { decimal: '1,50' }, 'decimal', 'expected decimal(10,2), got "1,50"'],
      ['boolean text', { boolean: 'yes' }, 'boolean', 'expected a boolean, got "yes"'],
      ['date Feb 30', { date: '2024-02-30' }, 'date', 'expected a date (yyyy-mm-dd), got "2024-02-30"'],
      ['date format', { date: '19/01/2024' }, 'date', 'expected a date (yyyy-mm-dd), got "19/01/2024"'],
      ['string object', { string: { a: 1 } }, 'string', 'expected a string, got an object'],
      ['string array', { string: ['a'] }, 'string', 'expected a string, got an array'],
      ['required empty', { id: '' }, 'id', 'required field is missing'],
      ['required null', { id: null }, 'id', 'required field is missing'],
      [
        'timestamp Feb 30',
        { evento: '2024-02-30T10:00:00Z' },
        'evento',
        'expected a timestamp (ISO-8601 text) between the years 1685 and 2255, got "2024-02-30T10:00:00Z"',
      ],
      [
        'timestamp hour 24',
        { evento: '2024-01-19T24:00:00' },
        'evento',
        'expected a timestamp (ISO-8601 text) between the years 1685 and 2255, got "2024-01-19T24:00:00"',
      ],
      [
        'timestamp as a bare number',
        { evento: 1705658400000.5 },
        'evento',
        `expected a timestamp (ISO-8601 text), got the number 1705658400000.5; declare the field's format ("epoch_seconds" or "epoch_millis") to read numbers`,
      ],
      ['timestamp missing', { evento: undefined }, 'evento', 'required field is missing'],
    ];
    const records = cases.map(([n, values]) => ({ ...ok, ...values, n }));
    await bronze.store.put('pending/tipos/t.ndjson', [ok, ...records].map((r) => JSON.stringify(r)).join('\n'));
    const ingest = await ingestSource({ config, bronze: bronze.store, secrets }, { runId: 'i1', source: 'tipos', window });
    // Records whose time is unreadable wait in the partition of the window's last day.
    expect(ingest.anomesdias).toEqual(['20240119', '20240120']);
    const catalog = new MemoryCatalog();
    const table = silverTable(config, config.sources[0]!);
    await catalog.ensureTable({ ...table, location: silver.store.uri(table.prefix) });
    const result = await refineSource(
      { config, bronze: bronze.store, silver: silver.store, catalog, versions: new MemoryPartitionVersions() },
      { runId: 'r1', source: 'tipos', window, anomesdias: ingest.anomesdias },
    );
    expect(result).toMatchObject({ rows_read: cases.length + 1, rows_written: 1, rows_invalid: cases.length });
    const entries: QuarantineEntry[] = [];
    for (const key of result.quarantine!)
      for (const line of new TextDecoder()
        .decode(await silver.store.get(key))
        .trim()
        .split('\n'))
        entries.push(JSON.parse(line));
    const byCase = new Map(entries.map((e) => [(e.record as { n: string }).n, e]));
    for (const [n, , field, reason] of cases) expect(byCase.get(n), n).toMatchObject({ field, reason });
    expect(byCase.get('timestamp Feb 30')!.anomesdia).toBe('20240120');
    expect(byCase.get('int overflow')!.anomesdia).toBe('20240119');
    await bronze.cleanup();
    await silver.cleanup();
  });
});

describe('bad bronze objects', () => {
  let bronze: Awaited<ReturnType<typeof tempStore>>;
  let silver: Awaited<ReturnType<typeof tempStore>>;
  const config = filesConfig();
  beforeEach(async () => {
    [bronze, silver] = await Promise.all([tempStore(), tempStore()]);
    await bronze.store.put('pending/animais/a.ndjson', `${JSON.stringify(animal(1))}\n${JSON.stringify(animal(2))}\n`);
    await ingestSource({ config, bronze: bronze.store, secrets }, { runId: 'i1', source: 'animais', window });
  });
  afterEach(async () => {
    await bronze.cleanup();
    await silver.cleanup();
  });
  const objects = async (part: string) =>
    (await listKeys(bronze.store, 'source=animais/anomesdia=20240119/')).filter((k) => k.includes(part));

  it('fails the next ingestion of a partition whose hash index was overwritten, naming the index, and commits nothing', async () => {
    const [index] = await objects('/_hashes/');
    await bronze.store.put(index!, 'not an index');
    await bronze.store.put('pending/animais/b.ndjson', `${JSON.stringify(animal(3))}\n`);
    await expect(ingestSource({ config, bronze: bronze.store, secrets }, { runId: 'i2', source: 'animais', window })).rejects.toThrow(
      `Bronze hash index ${bronze.store.uri(index!)} is not readable (no MHX1 signature); it was written by another tool or truncated. Move it aside and rerun the window to rebuild it.`,
    );
    expect(await readRunManifests(bronze.store, 'animais', 'i2')).toEqual([]);
    expect(await listKeys(bronze.store, 'pending/animais/')).toEqual(['pending/animais/b.ndjson']);
  });

  it('fails refine on a committed bronze part that is not gzip, naming the part, and leaves the silver partition as it was', async () => {
    const [part] = await objects('/part-');
    await bronze.store.put(part!, '{"not": "gzip"}\n');
    const catalog = new MemoryCatalog();
    const table = silverTable(config, config.sources[0]!);
    await catalog.ensureTable({ ...table, location: silver.store.uri(table.prefix) });
    await expect(
      refineSource(
        { config, bronze: bronze.store, silver: silver.store, catalog, versions: new MemoryPartitionVersions() },
        { runId: 'r1', source: 'animais', window, anomesdias: ['20240119'] },
      ),
    ).rejects.toThrow(
      new RegExp(`^Bronze object ${bronze.store.uri(part!).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} cannot be read \\(not gzip: `),
    );
    expect(await catalog.getPartitionLocation(table.database, table.name, { anomesdia: '20240119' })).toBeUndefined();
  });
});

describe('bad silver files', () => {
  const config = parsePipelineConfig(defaultPipelineConfig);
  config.consolidations[0]!.engine = 'lambda';
  const DAY = '20240119';
  const GOLD = { database: 'db_batch', tabela: 'tbl_processado_operacao_consolidada_n1' };
  const sor = config.sources.find((s) => s.name === 'sor')!;

  /** Silver Parquet of sor rows without the named columns. */
  const without = (names: string[], rows = [op('A', 1), op('B', 2)]) =>
    writeColumns(
      tableFromRows(
        silverColumns(sor).filter((c) => !names.includes(c.name)),
        rows,
      ),
    );

  let dynamo: TestDynamo;
  let lake: ConsolidationLake;
  /** The congregado as it was before the test's run: the dynalite table serves every test of this block. */
  let congregado: unknown;
  beforeAll(async () => {
    dynamo = await startTestDynamo();
  });
  afterAll(() => dynamo?.stop());
  beforeEach(async () => {
    lake = await startConsolidationLake(config, dynamo);
    congregado = await lake.deps.congregados.get(`${GOLD.database}_${GOLD.tabela}`);
  });
  afterEach(() => lake.stop());

  const run = () => consolidateHere(lake.deps, { runId: 'run-1', database: GOLD.database, tabela: GOLD.tabela, anomesdia: DAY });
  async function expectNothingPublished() {
    await expect(lake.deps.catalog.getTable(GOLD.database, GOLD.tabela)).rejects.toThrow('is not in the catalog');
    expect(await listKeys(lake.deps.gold, goldLayout.tablePrefix(GOLD.database, GOLD.tabela))).toEqual([]);
    expect(await lake.deps.congregados.get(`${GOLD.database}_${GOLD.tabela}`)).toEqual(congregado);
  }

  it.each([
    ['dat_vlr_even_oper', 'a decision field (campos_decisao)'],
    ['cod_idef_ver_oper', 'a key column (chaves_principais)'],
    ['vlr_oper', 'a required field of source "sor"'],
  ])('fails a silver file without %s, naming the file and the column, and publishes nothing', async (column, role) => {
    const key = await lake.putSilver('sor', DAY, without([column]));
    await lake.putSilver('sot', DAY, writeColumns(tableFromRows(silverColumns(sor), [op('A', 3)])));
    const failure = run();
    await expect(failure).rejects.toThrow(SilverFileSchemaError);
    await expect(failure).rejects.toThrow(
      `Consolidation db_batch.tbl_processado_operacao_consolidada_n1: silver file ${lake.deps.silver.uri(key)} of origin "sor" column "${column}" is missing; it is ${role}. Nothing was published.`,
    );
    await expectNothingPublished();
  });

  it('reads a silver file without an optional column as nulls there', async () => {
    await lake.putSilver('sor', DAY, without(['des_stat_oper', 'cod_moed']));
    const result = await run();
    expect(result).toMatchObject({ rows_read: 2, rows_written: 2, engine: 'lambda' });
    const rows = rowsFromTable(
      await readParquet(await lake.deps.gold.get(`${locationIn(lake.deps.gold, result.location!)}part-00000.snappy.parquet`)),
    );
    expect(rows.map((r) => [r.num_oper, r.cod_moed, r.des_stat_oper])).toEqual([
      ['A', null, null],
      ['B', null, null],
    ]);
  });

  it('fails a silver file holding a column with another type than its source declares, naming both types', async () => {
    const columns = silverColumns(sor).map((c) => (c.name === 'vlr_oper' ? { name: 'vlr_oper', type: 'string' as const } : c));
    const key = await lake.putSilver('sor', DAY, writeColumns(tableFromRows(columns, [op('A', 1, { vlr_oper: '10.50' })])));
    await expect(run()).rejects.toThrow(
      `silver file ${lake.deps.silver.uri(key)} of origin "sor" column "vlr_oper" is string, but source "sor" declares it decimal(18,2)`,
    );
    await expectNothingPublished();
  });

  it('fails a silver file that is not Parquet, or is truncated, with ParquetFormatError naming the file', async () => {
    const csv = await lake.putSilver('sor', DAY, 'num_oper,cod_idef_ver_oper\nA,1\n');
    let failure = run();
    await expect(failure).rejects.toThrow(ParquetFormatError);
    await expect(failure).rejects.toThrow(`${lake.deps.silver.uri(csv)} is not a readable Parquet file (`);
    await expectNothingPublished();
    const whole = without([]);
    const cut = await lake.putSilver('sor', DAY, whole.subarray(0, whole.length - 20), { runId: 'r2' });
    failure = run();
    await expect(failure).rejects.toThrow(ParquetFormatError);
    await expect(failure).rejects.toThrow(`${lake.deps.silver.uri(cut)} is not a readable Parquet file`);
    await expectNothingPublished();
  });
});
