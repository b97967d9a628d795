import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultPipelineConfig } from '../../lambdas/core/default-config.js';
import { localLake, type LocalRuntime, type LocalRuntimeOptions } from '../../local/runtime.js';
import { runLocal } from '../../local/local-run.js';
import { formatSummary } from '../../local/summary.js';
import { memoryRuntime } from '../support/memory-runtime.js';

const dataDir = mkdtempSync(join(tmpdir(), 'medallion-local-run-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** A stand-in runtime whose ingest reads the first page of each demo source, and whose journeys outlive a run. */
function standIn() {
  let memory: ReturnType<typeof memoryRuntime> | undefined;
  const firstPages: Record<string, number> = {};
  const build = async (o: LocalRuntimeOptions): Promise<LocalRuntime> => {
    // One memory runtime for all runs: its journeys outlive a run, as dynalite's on disk do.
    memory ??= memoryRuntime(o.config, { now: o.now });
    const { runtime, journeys } = memory;
    return {
      ...runtime,
      async ingest(request) {
        const source = o.config.sources.find((s) => s.name === request.source)!;
        if (source.http) {
          const url = `${source.http.endpoint}?updated_since=${request.window.from}&updated_until=${request.window.to}`;
          const res = await fetch(url, { headers: { authorization: `Bearer ${o.apiToken}` } });
          firstPages[source.name] = res.status;
        }
        return runtime.ingest(request);
      },
      lake: localLake(o.dataDir),
      async dropFiles() {},
      async getJourney(runId) {
        return journeys.get(runId);
      },
      async latestJourney() {
        return [...journeys.values()].at(-1);
      },
      async congregados() {
        return [];
      },
      async query() {
        return [{ num_oper: 'OP0000001', n: 1 }];
      },
      async close() {},
    };
  };
  return { build, firstPages };
}

describe('runLocal', () => {
  it('runs the synthesized machine against the demo API, then says the journey is complete, and reruns with force', async () => {
    const { build, firstPages } = standIn();
    const now = new Date('2024-03-15T02:00:00Z');
    const first = await runLocal({ dataDir, now, operations: 20, runtime: build, input: { mode: 'daily' } });
    expect(first.error).toBeUndefined();
    expect(first.outcome).toBe('completed');
    // Each HTTP source's endpoint now points at the local demo API and the token is accepted.
    expect(firstPages).toEqual({ sor: 200, sot: 200, clientes: 200, cotacoes: 200 });
    const summary = formatSummary({ ...first, steps: first.journey!.steps, window: first.journey!.params.window as any });
    expect(summary).toContain('Pipeline completed');
    expect(summary).toMatch(/refine\s+sor\s+silver\s+SUCCEEDED/);

    const again = await runLocal({ dataDir, now, operations: 20, runtime: build, input: { mode: 'daily' } });
    expect(again.outcome).toBe('already-completed');
    expect(again.runId).toBe(first.runId);
    expect(formatSummary({ ...again, steps: [] })).toContain('already complete');

    const forced = await runLocal({ dataDir, now, operations: 20, runtime: build, input: { mode: 'daily', force: true } });
    expect(forced.outcome).toBe('completed');
  });

  it('rejects a wrong input before starting anything, naming the field', async () => {
    let built = false;
    const build = async (o: LocalRuntimeOptions) => {
      built = true;
      return standIn().build(o);
    };
    await expect(runLocal({ dataDir, runtime: build, input: { mode: 'backfill', from: '2024-03-05', to: '2024-03-01' } })).rejects.toThrow(
      /to: 2024-03-01 is before from 2024-03-05/,
    );
    expect(built).toBe(false);
  });

  it('reports a step failure with the journey it failed and the step error, not another journey', async () => {
    const { build } = standIn();
    const failing = async (o: LocalRuntimeOptions): Promise<LocalRuntime> => {
      const rt = await build(o);
      return { ...rt, refine: async () => Promise.reject(new Error('silver bucket unreachable')) };
    };
    const report = await runLocal({
      dataDir,
      now: new Date('2024-04-02T02:00:00Z'),
      operations: 10,
      runtime: failing,
      input: { mode: 'daily' },
    });
    expect(report.outcome).toBe('failed');
    expect(report.error).toContain('silver bucket unreachable');
    expect(report.journey?.status).toBe('FAILED');
    expect(report.journey?.idempotency_key).toBe(report.runId);
  });

  it('samples a gold table whose key column is a SQL keyword (`order`): every identifier of its SQL is quoted', async () => {
    const config = structuredClone(defaultPipelineConfig);
    config.sources.push({
      name: 'pedidos',
      kind: 'files',
      files: { format: 'ndjson' },
      fields: [
        { name: 'order', type: 'string', required: true },
        { name: 'select', type: 'integer' },
        { name: 'updated_at', type: 'timestamp', required: true },
      ],
      watermarkField: 'updated_at',
    } as never);
    config.consolidations!.unshift({
      database: 'db_batch',
      tabela_consolidada: 'from',
      origens: ['pedidos'],
      chaves_principais: ['order'],
      campos_decisao: ['updated_at'],
    } as never);
    const orders = [
      { order: 'b', select: 1, updated_at: '2024-03-14T10:00:00Z' },
      { order: 'a', select: 1, updated_at: '2024-03-14T09:00:00Z' },
      { order: 'a', select: 2, updated_at: '2024-03-14T11:00:00Z' },
      { order: 'c', select: 3, updated_at: '2024-03-14T12:00:00Z' },
    ];
    // A config of one's own gets no demo files: the file is dropped where the source looks, as a user would.
    const folder = mkdtempSync(join(dataDir, 'keyword-'));
    mkdirSync(join(folder, 'lake/bronze/pending/pedidos'), { recursive: true });
    writeFileSync(join(folder, 'lake/bronze/pending/pedidos/pedidos-1.ndjson'), orders.map((o) => JSON.stringify(o)).join('\n'));
    const report = await runLocal({
      dataDir: folder,
      now: new Date('2024-03-15T02:00:00Z'),
      config,
      input: { mode: 'daily', sources: ['pedidos'] },
    });
    expect([report.outcome, report.error]).toEqual(['completed', undefined]);
    expect(report.sample?.table).toBe('db_batch.from');
    expect(report.sample?.total).toBe(3);
    expect(report.sample?.rows.map((r) => [r.order, r.select])).toEqual([
      ['a', 2],
      ['b', 1],
      ['c', 3],
    ]);
  });
});
