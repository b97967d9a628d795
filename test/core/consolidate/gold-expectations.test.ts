// Data-quality expectations on gold partitions, end to end on a temp-folder lake: checked on the consolidated
// rows before the version is published (the Lambda engine's table, or a Spark run's files read back), warn
// counted, drop quarantined with the expectation's name, fail publishing nothing (the version before stands),
// row_count against the previous day's gold partition; results in quality_results (layer gold), the metrics.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parsePipelineConfig, type PipelineConfig } from '../../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../../lambdas/core/default-config.js';
import { consolidateTable } from '../../../lambdas/core/consolidate/consolidate-table.js';
import type { ConsolidateTableDeps, GlueHandoff } from '../../../lambdas/core/consolidate/types.js';
import type { CellValue } from '../../../lambdas/core/columnar/types.js';
import { folderUri, locationIn } from '../../../lambdas/core/lake/publication.js';
import { goldColumns } from '../../../lambdas/core/lake/tables.js';
import { ExpectationFailedError } from '../../../lambdas/core/quality/errors.js';
import type { MetricsSink } from '../../../lambdas/core/processing-log.js';
import { FsObjectStore } from '../../../lambdas/adapters/local/fs-object-store.js';
import { JsonCatalog } from '../../../lambdas/adapters/local/json-catalog.js';
import { GlueJobRunner } from '../../../lambdas/adapters/aws/glue-job-runner.js';
import { consolidateHere, publishSilver, silverOp as op } from '../../support/consolidation-lake.js';
import { filesSource } from '../../support/configs.js';
import { keyIn, readSpec, writeGlueRun } from '../../support/glue-run.js';
import { MemoryCongregados } from '../../support/memory-congregados.js';
import { MemoryPartitionVersions } from '../../support/memory-partition-versions.js';
import { readParquet, rowsFromTable } from '../../support/parquet.js';
import { listKeys } from '../ingest/support.js';
import { qualityResultRows } from '../quality/support.js';

const DAY = '20240119';
const GOLD = { db: 'db_batch', table: 'tbl_processado_operacao_consolidada_n1' };
const NAME = `${GOLD.db}.${GOLD.table}`;

type Deps = ConsolidateTableDeps & { congregados: MemoryCongregados; catalog: JsonCatalog; versions: MemoryPartitionVersions };

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gold-expectations-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

/** The demo config with the demo consolidation's expectations replaced. */
function demoWith(expectations: unknown[]): PipelineConfig {
  return parsePipelineConfig({
    ...defaultPipelineConfig,
    consolidations: defaultPipelineConfig.consolidations!.map((c) => ({ ...c, expectations })),
  });
}

function lake(config: PipelineConfig, extra: Pick<ConsolidateTableDeps, 'gold' | 'glue' | 'metrics'> | object = {}): Deps {
  return {
    config,
    silver: new FsObjectStore(join(dir, 'silver')),
    gold: new FsObjectStore(join(dir, 'gold')),
    catalog: new JsonCatalog(join(dir, 'catalog.json')),
    versions: new MemoryPartitionVersions(),
    congregados: new MemoryCongregados(),
    clock: () => new Date('2024-01-20T02:00:00Z'),
    ...extra,
  };
}

function metrics(): MetricsSink & { added: { name: string; value: number; dimensions: Record<string, string> }[] } {
  const added: { name: string; value: number; dimensions: Record<string, string> }[] = [];
  return { added, add: (name, _unit, value, dimensions) => void added.push({ name, value, dimensions: { ...dimensions } }) };
}

/** The published gold rows of a partition (every file of the version the catalog names). */
async function goldRows(deps: Deps, day = DAY): Promise<Record<string, CellValue>[]> {
  const location = await deps.catalog.getPartitionLocation(GOLD.db, GOLD.table, { anomesdia: day });
  const rows: Record<string, CellValue>[] = [];
  for (const key of (await listKeys(deps.gold, locationIn(deps.gold, location!)!)).filter((k) => k.endsWith('.parquet')))
    rows.push(...rowsFromTable(await readParquet(await deps.gold.get(key))));
  return rows;
}

/** The JSON lines of a gold table's quarantine for DAY. */
async function quarantineLines(deps: Deps, table = GOLD): Promise<Record<string, unknown>[]> {
  const lines: Record<string, unknown>[] = [];
  for (const key of await listKeys(deps.gold, `_quarantine/${table.db}/${table.table}/anomesdia=${DAY}/`))
    if (key.endsWith('.json'))
      for (const line of new TextDecoder()
        .decode(await deps.gold.get(key))
        .split('\n')
        .filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
  return lines;
}

describe('expectations on a gold partition (Lambda engine)', () => {
  it('warn counts; drop leaves the rows out of the version, quarantined with the expectation named; results in quality_results', async () => {
    const sink = metrics();
    const deps = lake(
      demoWith([
        { name: 'valor_nao_negativo', action: 'drop', range: { field: 'vlr_oper', min: 0 } },
        { name: 'moeda_iso', regex: { field: 'cod_moed', pattern: '^[A-Z]{3}$' } },
        { name: 'de_sor', accepted_values: { field: 'origem', values: ['sor'] } },
      ]),
      { metrics: sink },
    );
    await publishSilver(deps, DAY, 'sor', [op('A', 10), op('B', 11, { vlr_oper: -500n }), op('C', 12, { cod_moed: 'brl' })]);
    await publishSilver(deps, DAY, 'sot', [op('D', 13)]);

    const result = await consolidateHere(deps, { runId: 'r1', database: GOLD.db, tabela: GOLD.table, anomesdia: DAY });
    expect(result).toMatchObject({
      rows_read: 4,
      rows_written: 3,
      rows_invalid: 1,
      books: '4 silver = 3 gold + 0 outranked + 0 null keys + 1 dropped by expectations',
      quality: {
        expectations: 3,
        passed: 0,
        // Most failed rows first, then by name.
        failed: [
          { expectation: 'de_sor', action: 'warn', rows_checked: 4, rows_failed: 1 },
          { expectation: 'moeda_iso', action: 'warn', rows_checked: 4, rows_failed: 1 },
          { expectation: 'valor_nao_negativo', action: 'drop', rows_checked: 4, rows_failed: 1 },
        ],
      },
    });
    // B is out of the published version; C (warn only) is in it.
    expect((await goldRows(deps)).map((r) => r.num_oper).sort()).toEqual(['A', 'C', 'D']);
    const [dropped, ...others] = await quarantineLines(deps);
    expect(others).toEqual([]);
    expect(dropped).toMatchObject({
      origem: 'sor',
      expectation: 'valor_nao_negativo',
      reason: 'expectation "valor_nao_negativo" failed: range(vlr_oper >= 0)',
      row: { num_oper: 'B', vlr_oper: '-5.00', cod_moed: 'BRL' },
    });
    // The results, layer gold, named by the gold table; the metric per expectation, 0 where it held.
    expect(await deps.catalog.getPartitionLocation('db_silver', 'quality_results', { anomesdia: DAY })).toBe(
      deps.silver.uri(`_quality_results/anomesdia=${DAY}/`),
    );
    expect(
      (await qualityResultRows(deps.silver, DAY)).map((r) => [r.layer, r.source, r.expectation, r.action, r.rows_checked, r.rows_failed]),
    ).toEqual([
      ['gold', NAME, 'valor_nao_negativo', 'drop', 4n, 1n],
      ['gold', NAME, 'moeda_iso', 'warn', 4n, 1n],
      ['gold', NAME, 'de_sor', 'warn', 4n, 1n],
    ]);
    expect(sink.added.filter((m) => m.name === 'ExpectationFailedRows')).toEqual(
      ['valor_nao_negativo', 'moeda_iso', 'de_sor'].map((expectation) => ({
        name: 'ExpectationFailedRows',
        value: 1,
        dimensions: { step: 'consolidate', source: NAME, expectation },
      })),
    );
    // The congregado counts the rows published.
    expect(deps.congregados.saved.at(-1)).toMatchObject({ record_count: 3 });
  });

  it('fail: ExpectationFailedError naming the table, day, rule and rows; the version before stands; a rerun after the fix publishes', async () => {
    const unique = { name: 'uma_moeda_por_dia', unique: ['cod_moed'], action: 'fail' };
    const deps = lake(demoWith([unique]));
    await publishSilver(deps, DAY, 'sor', [op('A', 10)]);
    const first = await consolidateHere(deps, { runId: 'r1', database: GOLD.db, tabela: GOLD.table, anomesdia: DAY });
    expect(first).toMatchObject({ rows_written: 1, quality: { expectations: 1, passed: 1, failed: [] } });

    // The next day's silver for the same day brings a second operation in BRL: the rule breaks on one row of two.
    await publishSilver(deps, DAY, 'sor', [op('A', 10), op('B', 11)], { runId: 'r2' });
    const failure = await consolidateTable(deps, { runId: 'r2', database: GOLD.db, tabela: GOLD.table, anomesdia: DAY }).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(ExpectationFailedError);
    expect((failure as ExpectationFailedError).message).toBe(
      `Gold table ${NAME}, anomesdia ${DAY}: expectation "uma_moeda_por_dia" (unique(cod_moed), action fail) failed on 1 of 2 row(s). ` +
        'Nothing was published for this partition and its silver and the version published before are kept: fix the data in silver ' +
        '(or at its source), or the expectation (or set its action to warn or drop), then rerun the window.',
    );
    expect(failure).toMatchObject({ layer: 'gold', source: NAME, anomesdia: DAY, retryable: false });
    // Nothing of r2 published: the catalog still names r1's version, which holds A alone; one congregado save.
    expect(await deps.catalog.getPartitionLocation(GOLD.db, GOLD.table, { anomesdia: DAY })).toBe(first.location);
    expect((await goldRows(deps)).map((r) => r.num_oper)).toEqual(['A']);
    expect(deps.congregados.saved).toHaveLength(1);
    // The failed check is in quality_results all the same.
    expect((await qualityResultRows(deps.silver, DAY)).map((r) => [r.run_id, r.rows_checked, r.rows_failed])).toEqual([
      ['r1', 1n, 0n],
      ['r2', 2n, 1n],
    ]);

    // The expectation relaxed to warn: the rerun publishes both rows.
    deps.config = demoWith([{ ...unique, action: 'warn' }]);
    const rerun = await consolidateHere(deps, { runId: 'r3', database: GOLD.db, tabela: GOLD.table, anomesdia: DAY });
    expect(rerun).toMatchObject({ rows_written: 2 });
    expect((await goldRows(deps)).map((r) => r.num_oper).sort()).toEqual(['A', 'B']);
  });

  it("row_count within a percentage of the previous day's published gold partition", async () => {
    const deps = lake(demoWith([{ name: 'volume_estavel', row_count: { previous_day_pct: 50 } }]));
    const before = '20240118';
    await publishSilver(deps, before, 'sor', [op('A', 1), op('B', 2), op('C', 3), op('D', 4)]);
    await consolidateHere(deps, { runId: 'r1', database: GOLD.db, tabela: GOLD.table, anomesdia: before });
    await publishSilver(deps, DAY, 'sor', [op('E', 10)]);
    const result = await consolidateHere(deps, { runId: 'r1', database: GOLD.db, tabela: GOLD.table, anomesdia: DAY });
    expect(result.quality).toEqual({
      expectations: 1,
      passed: 0,
      failed: [{ expectation: 'volume_estavel', action: 'warn', rows_checked: 1, rows_failed: 1 }],
    });
    // The first day had none before it to compare with, and held.
    expect((await qualityResultRows(deps.silver, before)).map((r) => r.rows_failed)).toEqual([0n]);
  });
});

describe('expectations on a gold partition (a Glue run)', () => {
  const TABLE = { db: 'db_glue', table: 'tbl_contas' };
  const contas = [
    { name: 'id', type: 'long', required: true },
    { name: 'ts', type: 'timestamp', required: true },
    { name: 'valor', type: 'decimal', precision: 9, scale: 2 },
    { name: 'nome', type: 'string' },
  ];
  const request = { runId: 'run-g', database: TABLE.db, tabela: TABLE.table, anomesdia: DAY };

  async function glueLake(expectations: unknown[]): Promise<Deps> {
    const config = parsePipelineConfig({
      ...defaultPipelineConfig,
      sources: [...defaultPipelineConfig.sources, filesSource('contas', contas, 'ts')],
      consolidations: [
        {
          database: TABLE.db,
          tabela_consolidada: TABLE.table,
          origens: ['contas'],
          chaves_principais: ['id'],
          campos_decisao: ['ts'],
          engine: 'glue',
          expectations,
        },
      ],
    });
    const gold = new FsObjectStore(join(dir, 'gold'));
    const deps = lake(config, { gold, glue: new GlueJobRunner({ specStore: gold, specPrefix: '_glue-specs/' }) });
    const at = (i: number) => Date.UTC(2024, 0, 19, i) * 1000;
    await publishSilver(
      deps,
      DAY,
      'contas',
      [1, 2, 3].map((i) => ({ id: i, ts: at(i), _content_hash: `h${i}`, _ingested_at: at(23), _run_id: 'r' })),
    );
    return deps;
  }

  /** Hands the partition to Glue and leaves what a Spark run writes: two part files, the second holding id 3. */
  async function sparkRun(deps: Deps): Promise<{ handoff: GlueHandoff; output: string }> {
    const handoff = await consolidateTable(deps, request);
    if (!('glue' in handoff)) throw new Error('expected a Glue handoff');
    const spec = await readSpec(deps.gold, handoff.glue.spec_uri);
    await writeGlueRun(deps.gold, spec, {
      columns: goldColumns(deps.config, deps.config.consolidations[0]!),
      parts: [
        [
          { id: 1n, ts: '2024-01-19T01:00:00Z', valor: '1234567.89', nome: 'São Paulo', origem: 'contas' },
          { id: 2n, ts: '2024-01-19T02:00:00Z', valor: null, nome: null, origem: 'contas' },
        ],
        [{ id: 3n, ts: '2024-01-19T03:00:00Z', valor: '-0.01', nome: '東京', origem: 'contas' }],
      ],
      rows_read: 3,
    });
    return { handoff, output: keyIn(deps.gold, spec.output_location) };
  }

  it("drop: the files go without the dropped rows into the Lambda's own folder, which is published; a retry publishes the same", async () => {
    const deps = await glueLake([
      { name: 'valor_nao_negativo', action: 'drop', range: { field: 'valor', min: 0 } },
      { name: 'nome_presente', not_null: 'nome' },
    ]);
    const { handoff, output } = await sparkRun(deps);
    const publish = () => consolidateTable(deps, { ...request, phase: 'glue-output', handoff });
    const result = await publish();
    const checked = folderUri(deps.gold, output.replace(/\/$/, '-checked/'));
    expect(result).toMatchObject({
      engine: 'glue',
      rows_read: 3,
      rows_written: 2,
      rows_invalid: 1,
      location: checked,
      books: '3 silver = 2 gold + 0 outranked + 0 null keys + 1 dropped by expectations',
    });
    expect(await deps.catalog.getPartitionLocation(TABLE.db, TABLE.table, { anomesdia: DAY })).toBe(checked);
    // The published folder holds Spark's first file as it was, and its second without id 3.
    const published = (await listKeys(deps.gold, locationIn(deps.gold, checked)!)).filter((k) => k.endsWith('.parquet'));
    const spark = (await listKeys(deps.gold, output)).filter((k) => /part-0000\d.*\.parquet$/.test(k) && !k.includes('/_'));
    expect(published.map((k) => k.slice(k.lastIndexOf('/')))).toEqual(spark.map((k) => k.slice(k.lastIndexOf('/'))));
    expect(await deps.gold.get(published[0]!)).toEqual(await deps.gold.get(spark[0]!));
    const rows = [];
    for (const key of published) rows.push(...rowsFromTable(await readParquet(await deps.gold.get(key))));
    expect(rows.map((r) => [r.id, r.valor, r.nome])).toEqual([
      [1n, 123456789n, 'São Paulo'],
      [2n, null, null],
    ]);
    const quarantined = await quarantineLines(deps, TABLE);
    expect(quarantined).toEqual([
      {
        origem: 'contas',
        reason: 'expectation "valor_nao_negativo" failed: range(valor >= 0)',
        expectation: 'valor_nao_negativo',
        row: { id: '3', ts: '2024-01-19T03:00:00.000000Z', valor: '-0.01', nome: '東京' },
      },
    ]);
    expect(deps.congregados.saved.at(-1)).toMatchObject({ processor_type: 'glue', record_count: 2 });

    // A retried publication (its Lambda timed out after publishing) writes the same files and results again.
    deps.config.limits.supersededGraceMinutes = 0;
    expect(await publish()).toMatchObject({ location: checked, rows_written: 2 });
    expect(await deps.catalog.getPartitionLocation(TABLE.db, TABLE.table, { anomesdia: DAY })).toBe(checked);
    expect(await quarantineLines(deps, TABLE)).toEqual(quarantined);
    expect((await qualityResultRows(deps.silver, DAY)).map((r) => [r.source, r.expectation, r.rows_checked, r.rows_failed])).toEqual([
      [`${TABLE.db}.${TABLE.table}`, 'valor_nao_negativo', 3n, 1n],
      [`${TABLE.db}.${TABLE.table}`, 'nome_presente', 3n, 1n],
    ]);
  });

  it('warn only: the Spark folder itself is published, its files untouched', async () => {
    const deps = await glueLake([{ name: 'nome_presente', not_null: 'nome' }]);
    const { handoff, output } = await sparkRun(deps);
    const result = await consolidateTable(deps, { ...request, phase: 'glue-output', handoff });
    expect(result).toMatchObject({
      rows_written: 3,
      rows_invalid: 0,
      location: folderUri(deps.gold, output),
      quality: { failed: [{ expectation: 'nome_presente', rows_failed: 1 }] },
    });
  });

  it('fail: nothing is published from the run', async () => {
    const deps = await glueLake([{ name: 'valor_nao_negativo', action: 'fail', range: { field: 'valor', min: 0 } }]);
    const { handoff } = await sparkRun(deps);
    await expect(consolidateTable(deps, { ...request, phase: 'glue-output', handoff })).rejects.toThrow(
      `Gold table ${TABLE.db}.${TABLE.table}, anomesdia ${DAY}: expectation "valor_nao_negativo" (range(valor >= 0), action fail) failed on 1 of 3 row(s)`,
    );
    await expect(deps.catalog.getPartitionLocation(TABLE.db, TABLE.table, { anomesdia: DAY })).rejects.toThrow();
    expect(deps.congregados.saved).toHaveLength(0);
  });
});
