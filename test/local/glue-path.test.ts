import { DuckDbGoldStateEngine } from '../../lambdas/adapters/local/duckdb-gold-state.js';
import { fileURLToPath } from 'node:url';
// The whole Glue path of the synthesized definition, run locally: the real Consolidate hands a partition to
// Glue, a test binding of the Glue task plays the job (Spark-shaped output, as glue:startJobRun.sync would
// wait for), and the real Publish Glue output reads it back and publishes it, queryable in DuckDB.
import { MemoryPartitionVersions } from '../support/memory-partition-versions.js';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { armFault, disarmFaults } from '../../lambdas/core/faults.js';
import { GlueJobRunner } from '../../lambdas/adapters/aws/glue-job-runner.js';
import { parsePipelineConfig, type PipelineConfig } from '../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../lambdas/core/default-config.js';
import { goldColumns } from '../../lambdas/core/lake/tables.js';
import { composeRuntime, type PipelineRuntime } from '../../lambdas/steps/runtime.js';
import { localCatalog, localLake, openLocalQueryEngine } from '../../local/runtime.js';
import { runPipeline, synthesizePipeline, type GlueJobRunRequest } from '../../local/state-machine.js';
import { keyIn, readSpec, writeGlueRun } from '../support/glue-run.js';
import { MemoryCongregados } from '../support/memory-congregados.js';
import { publishSilver } from '../support/consolidation-lake.js';
import { memoryRuntime } from '../support/memory-runtime.js';

const TABLE = 'db_batch.tbl_processado_operacao_consolidada_n1';
const op = (num_oper: string | null, hour: number, origem: string, status: string) => ({
  num_oper,
  cod_idef_ver_oper: 1,
  dat_vlr_even_oper: `2024-03-14T${String(hour).padStart(2, '0')}:00:00.123456Z`,
  num_prio_even_oper: 1,
  dat_recm_even_oper: null,
  vlr_oper: '1234.56',
  cod_moed: 'BRL',
  des_stat_oper: status,
  updated_at: '1969-12-31T23:59:59.999999Z',
  origem,
});

describe('the Glue path run locally', () => {
  let dir: string;
  let config: PipelineConfig;
  let runtime: PipelineRuntime;
  let memory: ReturnType<typeof memoryRuntime>;
  let congregados: MemoryCongregados;
  let lake: ReturnType<typeof localLake>;
  let catalog: Awaited<ReturnType<typeof localCatalog>>;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glue-path-'));
    config = parsePipelineConfig({
      ...defaultPipelineConfig,
      consolidations: defaultPipelineConfig.consolidations!.map((c) => ({ ...c, engine: 'glue' as const })),
    });
    lake = localLake(dir);
    catalog = await localCatalog(dir, config, lake);
    memory = memoryRuntime(config);
    congregados = new MemoryCongregados();
    const versions = new MemoryPartitionVersions();
    const composed = composeRuntime({
      config,
      lake,
      catalog,
      secrets: { getSecret: async () => 'token' },
      journeys: memory.runtime.journeys,
      watermarks: memory.runtime.watermarks,
      congregados,
      versions,
      glue: new GlueJobRunner({ specStore: lake.gold }),
      // The state tables follow what the Glue run published, as they follow the Lambda path.
      goldState: new DuckDbGoldStateEngine({ catalog, resolve: (location) => fileURLToPath(location) }),
      now: memory.runtime.now,
    });
    // Ingest and Refine as stand-ins: the silver versions they would publish are put in place here (four rows,
    // which the Glue job, played below, reports read), and the publication checks the run against them.
    runtime = { ...composed, ingest: memory.runtime.ingest, refine: memory.runtime.refine };
    const silverDeps = { config, silver: lake.silver, catalog, versions };
    const row = (n: string) => ({ num_oper: n, cod_idef_ver_oper: 1, _content_hash: n, _run_id: 'r' });
    await publishSilver(silverDeps, '20240314', 'sor', [row('A'), row('B')]);
    await publishSilver(silverDeps, '20240314', 'sot', [row('A'), row(null as never)]);
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  /** The Glue task played as the job would: Spark-shaped output for the spec it is given, recorded in runs. */
  function playGlue(runs: GlueJobRunRequest[]) {
    return async (request: GlueJobRunRequest) => {
      runs.push(request);
      const spec = await readSpec(lake.gold, request.Arguments['--spec_uri']!);
      await writeGlueRun(lake.gold, spec, {
        columns: goldColumns(config, config.consolidations[0]!),
        parts: [[op('A', 10, 'sot', 'sot wins')], [op('B', 9, 'sor', 'only sor')]],
        rows_read: 4,
        quarantine: [{ origem: 'sor', reason: 'null key column "num_oper"', row: { num_oper: null } }],
      });
      return { Id: `jr_local${runs.length}`, JobRunState: 'SUCCEEDED', ExecutionTime: 61 };
    };
  }

  async function goldRows() {
    const engine = await openLocalQueryEngine(catalog);
    try {
      return await engine.query(`SELECT num_oper, des_stat_oper, origem, vlr_oper FROM ${TABLE} ORDER BY num_oper`);
    } finally {
      engine.close();
    }
  }

  const GOLD_ROWS = [
    { num_oper: 'A', des_stat_oper: 'sot wins', origem: 'sot', vlr_oper: '1234.56' },
    { num_oper: 'B', des_stat_oper: 'only sor', origem: 'sor', vlr_oper: '1234.56' },
  ];

  it('hands the partition to Glue, waits on the run in the state machine, then publishes what Spark wrote', async () => {
    const runs: GlueJobRunRequest[] = [];
    const glue = playGlue(runs);
    const outcome = await runPipeline(synthesizePipeline(config), runtime, { mode: 'daily', sources: ['sor', 'sot'] }, { glue });
    expect(outcome, JSON.stringify(outcome)).toMatchObject({ status: 'SUCCEEDED' });
    expect(runs).toHaveLength(1);
    const spec = await readSpec(lake.gold, runs[0]!.Arguments['--spec_uri']!);
    expect(spec).toMatchObject({ anomesdia: '20240314', tabela_consolidada: 'tbl_processado_operacao_consolidada_n1' });

    expect((outcome as { output: any }).output.consolidations).toEqual([
      {
        consolidation: TABLE,
        partitions: 1,
        on_glue: 1,
        rows_read: 4,
        rows_written: 2,
        rows_invalid: 1,
        first_anomesdia: '20240314',
        last_anomesdia: '20240314',
        // The state tables and the aggregate follow the partition Glue wrote, as they follow the Lambda path.
        gold_tables: {
          tables: [
            { table: `${TABLE}_current`, kind: 'current', rows: 2, changed: 2 },
            { table: `${TABLE}_history`, kind: 'history', rows: 2, changed: 2 },
          ],
          aggregates: [{ table: 'tbl_operacao_resumo_diario', partitions: 1, rows_written: 2 }],
        },
      },
    ]);
    // The catalog points at the run's folder, and the congregado holds what the Lambda read back from it.
    const [database, table] = TABLE.split('.') as [string, string];
    expect(await catalog.getPartitionLocation(database, table, { anomesdia: '20240314' })).toBe(spec.output_location);
    expect(congregados.saved).toHaveLength(1);
    expect(congregados.saved[0]).toMatchObject({
      processor_type: 'glue',
      record_count: 2,
      sample_data: [
        {
          num_oper: 'A',
          cod_idef_ver_oper: 1,
          dat_vlr_even_oper: '2024-03-14T10:00:00.123456Z',
          num_prio_even_oper: 1,
          dat_recm_even_oper: null,
          vlr_oper: '1234.56',
          cod_moed: 'BRL',
          des_stat_oper: 'sot wins',
          updated_at: '1969-12-31T23:59:59.999999Z',
          origem: 'sot',
        },
      ],
    });
    const steps = [...memory.journeys.values()][0]!.steps.filter((s) => s.name === 'consolidate');
    expect(steps.map((s) => [s.status, s.message])).toEqual([
      ['WAITING', `anomesdia 20240314 handed to Glue (spec ${runs[0]!.Arguments['--spec_uri']})`],
      ['SUCCEEDED', 'anomesdia 20240314 (glue run jr_local1)'],
      [
        'SUCCEEDED',
        `gold tables: current ${TABLE}_current: 2 row(s), 2 changed; history ${TABLE}_history: 2 row(s), 2 changed; aggregate tbl_operacao_resumo_diario: 1 partition(s), 2 row(s)`,
      ],
    ]);
    // The quarantine the job wrote sits where the Lambda writes its own.
    const quarantine = keyIn(lake.gold, spec.quarantine_location);
    expect(quarantine).toMatch(new RegExp(`^_quarantine/${database}/${table}/anomesdia=20240314/run=${spec.run_id}/v=g[0-9a-f]{16}/$`));

    // The gold table reads back in DuckDB from the Spark-shaped files, markers and summary skipped.
    expect(await goldRows()).toEqual(GOLD_ROWS);
    expect(JSON.parse(await readFile(join(dir, 'lake', 'gold', keyIn(lake.gold, spec.output_location), '_summary.json'), 'utf8'))).toEqual({
      rows_read: 4,
      rows_written: 2,
      rows_invalid: 1,
    });
  });

  it('recovers from a crash while the Glue job runs: the rerun starts one new run and publishes one complete version', async () => {
    const runs: GlueJobRunRequest[] = [];
    const glue = playGlue(runs);
    const input = { mode: 'daily', sources: ['sor', 'sot'] };
    armFault('consolidate:during-glue');
    try {
      const crashed = await runPipeline(synthesizePipeline(config), runtime, input, { glue });
      expect(crashed, JSON.stringify(crashed)).toMatchObject({ status: 'FAILED' });
    } finally {
      disarmFaults();
    }
    // Nothing of the crashed run is visible: no partition, no congregado, the journey FAILED with the crash.
    const [database, table] = TABLE.split('.') as [string, string];
    expect(await catalog.getPartitionLocation(database, table, { anomesdia: '20240314' })).toBeUndefined();
    expect(congregados.saved).toHaveLength(0);
    const journey = () => [...memory.journeys.values()][0]!;
    expect(journey().status).toBe('FAILED');
    expect(JSON.stringify(journey())).toContain('consolidate:during-glue');

    const rerun = await runPipeline(synthesizePipeline(config), runtime, input, { glue });
    expect(rerun, JSON.stringify(rerun)).toMatchObject({ status: 'SUCCEEDED' });
    // One Glue run per execution (the crash did not start another by itself); the rerun's output is published.
    expect(runs).toHaveLength(2);
    const spec = await readSpec(lake.gold, runs[1]!.Arguments['--spec_uri']!);
    expect(await catalog.getPartitionLocation(database, table, { anomesdia: '20240314' })).toBe(spec.output_location);
    expect(await goldRows()).toEqual(GOLD_ROWS);
    expect(congregados.saved).toHaveLength(1);
    // The journey recorded the crash (above) and now the recovery, as its second attempt.
    expect(journey()).toMatchObject({ status: 'COMPLETED', retry_count: 1 });
  });
});
