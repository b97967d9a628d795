import { describe, expect, it } from 'vitest';
import { ingestSource } from '../../lambdas/core/ingest/ingest-source.js';
import { refineSource } from '../../lambdas/core/refine/refine-source.js';
import { silverTable } from '../../lambdas/core/lake/layout.js';
import type { FsObjectStore } from '../../lambdas/adapters/local/fs-object-store.js';
import { MemoryCatalog } from '../support/memory-catalog.js';
import { MemoryPartitionVersions } from '../support/memory-partition-versions.js';
import { animal, filesConfig, secrets, window } from './ingest/support.js';
import { tempStoreEachTest } from '../support/temp-store.js';
import { logExpectations, stepRecord } from '../../lambdas/core/processing-log.js';

let store: FsObjectStore;
tempStoreEachTest((temp) => (store = temp.store));

function recorder() {
  const lines: { level: string; message: string; attributes?: Record<string, any> }[] = [];
  const metrics: { name: string; value: number; dimensions: Record<string, string> }[] = [];
  return {
    lines,
    metrics,
    log: {
      info: (message: string, attributes?: Record<string, unknown>) => void lines.push({ level: 'info', message, attributes }),
      warn: (message: string, attributes?: Record<string, unknown>) => void lines.push({ level: 'warn', message, attributes }),
      error: (message: string, attributes?: Record<string, unknown>) => void lines.push({ level: 'error', message, attributes }),
    },
    sink: {
      add: (name: string, _unit: string, value: number, dimensions: Record<string, string>) =>
        void metrics.push({ name, value, dimensions }),
    },
  };
}

describe('processing log (log_processamento)', () => {
  it("logs each step with the seed's fields and emits its counts as metrics", async () => {
    const config = filesConfig();
    const r = recorder();
    await store.put('pending/animais/a.ndjson', [animal(1), animal(2), { id_animal: 'X' }].map((x) => JSON.stringify(x)).join('\n'));
    const ingest = await ingestSource(
      { config, bronze: store, secrets, log: r.log, metrics: r.sink },
      { runId: 'r1', source: 'animais', window },
    );
    const catalog = new MemoryCatalog();
    const t = silverTable(config, config.sources[0]!);
    await catalog.ensureTable({
      database: t.database,
      name: t.name,
      location: store.uri('silver/'),
      columns: t.columns,
      partitionKeys: t.partitionKeys,
    });
    await refineSource(
      { config, bronze: store, silver: store, catalog, versions: new MemoryPartitionVersions(), log: r.log, metrics: r.sink },
      { runId: 'r1', source: 'animais', window, anomesdias: ingest.anomesdias },
    );
    const entries = r.lines.filter((l) => l.attributes?.log_processamento).map((l) => l.attributes!.log_processamento);
    expect(entries).toEqual([
      expect.objectContaining({
        etapa: 'ingest',
        tipo_payload: 'animais',
        camada: 'bronze',
        status: 'SUCCEEDED',
        registros_lidos: 3,
        registros_processados: 3,
        registros_invalidos: 0,
        nome_arquivo: expect.arrayContaining([ingest.manifest]),
      }),
      expect.objectContaining({
        etapa: 'refine',
        tipo_payload: 'animais',
        camada: 'silver',
        status: 'SUCCEEDED',
        registros_lidos: 3,
        registros_processados: 2,
        registros_invalidos: 1,
        mensagem: expect.stringMatching(/1 quarantined/),
        // The quarantined record lacked three declared fields: drift, counted before any coercion.
        desvio_esquema: { records: 1, undeclared: {}, missing: { especie: 1, peso_kg: 1, dat_registro: 1 } },
      }),
    ]);
    expect(entries.every((e) => typeof e.duracao_ms === 'number')).toBe(true);
    expect(
      r.metrics
        .filter((m) => m.dimensions.step === 'refine')
        .map((m) => [m.name, m.value])
        .filter(([n]) => n !== 'StepDuration'),
    ).toEqual([
      ['RowsRead', 3],
      ['RowsWritten', 2],
      ['RowsInvalid', 1],
      ['SchemaDriftRecords', 1],
    ]);
  });

  it('logs a failed step as an error with the error message and a StepFailed metric', async () => {
    const config = filesConfig();
    const r = recorder();
    await expect(
      refineSource(
        {
          config,
          bronze: store,
          silver: store,
          catalog: new MemoryCatalog(),
          versions: new MemoryPartitionVersions(),
          log: r.log,
          metrics: r.sink,
        },
        { runId: 'r1', source: 'animais', window, anomesdias: ['2024-01-19'] },
      ),
    ).rejects.toThrow(/anomesdia "2024-01-19" of source animais is not yyyymmdd/);
    expect(r.lines).toEqual([
      expect.objectContaining({
        level: 'error',
        attributes: expect.objectContaining({
          log_processamento: expect.objectContaining({
            etapa: 'refine',
            status: 'FAILED',
            mensagem: expect.stringMatching(/^RefineInputError: /),
          }),
        }),
      }),
    ]);
    expect(r.metrics.map((m) => m.name)).toContain('StepFailed');
  });

  it('counts each expectation of a partition as ExpectationFailedRows (0 when it held) and warns only of those that failed', () => {
    const r = recorder();
    const held = { expectation: 'id_set', rule: 'not_null(id)', action: 'warn' as const, rows_checked: 4, rows_failed: 0, passed: true };
    const few = {
      ...held,
      expectation: 'enough',
      rule: 'row_count(>= 10)',
      action: 'fail' as const,
      rows_failed: 4,
      passed: false,
      detail: '4 row(s)',
    };
    logExpectations(r.log, r.sink, 'refine', 'animais', '20240119', [held]);
    expect(r.lines).toEqual([]);
    logExpectations(r.log, r.sink, 'refine', 'animais', '20240119', [held, few]);
    expect(r.metrics.map((m) => [m.dimensions.expectation, m.value])).toEqual([
      ['id_set', 0],
      ['id_set', 0],
      ['enough', 4],
    ]);
    expect(r.lines).toEqual([
      {
        level: 'warn',
        message: 'refine animais anomesdia 20240119: expectation "enough" (row_count(>= 10), fail) failed (4 row(s))',
        attributes: { qualidade: [held, few], source: 'animais', anomesdia: '20240119' },
      },
    ]);
    const quality = {
      expectations: 2,
      passed: 1,
      failed: [{ expectation: 'enough', action: 'fail' as const, rows_checked: 4, rows_failed: 4 }],
    };
    const timing = { started_at: '2024-01-20T00:00:00.000Z', ended_at: '2024-01-20T00:00:01.000Z' };
    expect(stepRecord('refine', 'SUCCEEDED', { source: 'animais', quality }, timing).quality).toEqual(quality);
    expect(stepRecord('refine', 'SUCCEEDED', { source: 'animais' }, timing)).not.toHaveProperty('quality');
  });
});
