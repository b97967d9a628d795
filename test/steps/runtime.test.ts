import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../lambdas/core/default-config.js';
import type { MetricsSink } from '../../lambdas/core/processing-log.js';
import { composeRuntime } from '../../lambdas/steps/runtime.js';
import { GlueJobRunner } from '../../lambdas/adapters/aws/glue-job-runner.js';
import { localCatalog, localLake } from '../../local/runtime.js';
import { MemoryPartitionVersions } from '../support/memory-partition-versions.js';

const config = parsePipelineConfig(defaultPipelineConfig);
const table = config.consolidations[0]!;

describe('composeRuntime: consolidation in the processing log', () => {
  let dir: string;
  let lines: { level: string; message: string; attributes: Record<string, unknown> }[];
  let metrics: { name: string; value: number; dimensions: Record<string, string> }[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'compose-runtime-'));
    lines = [];
    metrics = [];
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function runtime(consolidateThrows?: Error, onGlue = false) {
    const lake = localLake(dir);
    const sink: MetricsSink = { add: (name, _unit, value, dimensions) => void metrics.push({ name, value, dimensions }) };
    const log =
      (level: string) =>
      (message: string, attributes: Record<string, unknown> = {}) =>
        void lines.push({ level, message, attributes });
    const catalog = await localCatalog(dir, config, lake);
    if (consolidateThrows) catalog.getPartitionLocation = async () => Promise.reject(consolidateThrows);
    return composeRuntime({
      config: onGlue ? { ...config, consolidations: [{ ...table, engine: 'glue' }] } : config,
      lake,
      glue: onGlue ? new GlueJobRunner({ specStore: lake.gold }) : undefined,
      catalog,
      secrets: { getSecret: async () => 'token' },
      journeys: {} as never,
      watermarks: {} as never,
      versions: new MemoryPartitionVersions(),
      congregados: {
        save: async (input) => ({ record: { ...input, version: 1 } as never, created: true }),
        get: async () => undefined,
        list: async () => [],
      },
      log: { info: log('info'), warn: log('warn'), error: log('error') },
      metrics: sink,
      now: () => new Date('2024-03-15T02:00:00Z'),
    });
  }

  it('emits a log_processamento line and metrics for a consolidated partition, as ingest and refine do', async () => {
    const rt = await runtime();
    const result = await rt.consolidatePartition({
      runId: 'r1',
      database: table.database,
      tabela: table.tabela_consolidada,
      anomesdia: '20240314',
    });
    if (!('rows_written' in result)) throw new Error('expected a consolidation in the Lambda');
    const source = `${table.database}.${table.tabela_consolidada}`;
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', message: `consolidate ${source} succeeded` });
    expect(lines[0]!.attributes.log_processamento).toMatchObject({
      etapa: 'consolidate',
      tipo_payload: source,
      camada: 'gold',
      status: 'SUCCEEDED',
      registros_processados: result.rows_written,
    });
    const checks = metrics.filter((m) => m.name === 'ExpectationFailedRows');
    const counts = metrics.filter((m) => m.name !== 'ExpectationFailedRows');
    expect(counts.map((m) => m.name)).toEqual(['StepDuration', 'RowsRead', 'RowsWritten', 'RowsInvalid']);
    for (const m of counts) expect(m.dimensions).toEqual({ step: 'consolidate', source });
    // The demo's expectations on gold, checked before the partition was published: one count each, 0 as they held.
    expect(checks.map((m) => [m.dimensions.expectation, m.value])).toEqual([
      ['uma_versao_por_operacao', 0],
      ['moeda_iso', 0],
    ]);
    for (const m of checks) expect(m.dimensions).toMatchObject({ step: 'consolidate', source });
  });

  it('logs a failed consolidation with StepFailed, and a partition handed to Glue as nothing yet (it is logged once published)', async () => {
    const failing = await runtime(new Error('catalog unreachable'));
    await expect(
      failing.consolidatePartition({
        runId: 'r1',
        database: table.database,
        tabela: table.tabela_consolidada,
        anomesdia: '20240314',
      }),
    ).rejects.toThrow('catalog unreachable');
    expect(lines.map((l) => [l.level, l.message])).toEqual([['error', `consolidate ${table.database}.${table.tabela_consolidada} failed`]]);
    expect(metrics.filter((m) => m.name === 'StepFailed')).toHaveLength(1);

    lines = [];
    metrics = [];
    const onGlue = await runtime(undefined, true);
    const handoff = await onGlue.consolidatePartition({
      runId: 'r1',
      database: table.database,
      tabela: table.tabela_consolidada,
      anomesdia: '20240314',
    });
    expect(handoff).toMatchObject({ anomesdia: '20240314', glue: { spec_uri: expect.stringContaining('_glue-specs/') } });
    expect(lines).toEqual([]);
    expect(metrics).toEqual([]);
  });
});
