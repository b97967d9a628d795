// The Refine step under schema drift: its summary (what travels in the state machine) and its journey step
// carry the bounded counts, and the processing log warns once, naming the fields.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parsePipelineConfig } from '../../lambdas/core/config.js';
import { MAX_DRIFT_FIELDS } from '../../lambdas/core/refine/drift.js';
import { ingestStep } from '../../lambdas/steps/ingest.js';
import { refineStep } from '../../lambdas/steps/refine.js';
import { composeRuntime } from '../../lambdas/steps/runtime.js';
import { localCatalog, localLake } from '../../local/runtime.js';
import { animal, filesConfig, window } from '../core/ingest/support.js';
import { memoryRuntime } from '../support/memory-runtime.js';
import { MemoryPartitionVersions } from '../support/memory-partition-versions.js';

async function steps(records: Record<string, unknown>[]) {
  const dir = await mkdtemp(join(tmpdir(), 'refine-drift-step-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const config = parsePipelineConfig({ sources: [{ ...filesConfig().sources[0]!, keepExtra: true }] });
  const lake = localLake(dir);
  const memory = memoryRuntime(config);
  const warnings: { message: string; attributes?: Record<string, unknown> }[] = [];
  const rt = composeRuntime({
    config,
    lake,
    catalog: await localCatalog(dir, config, lake),
    secrets: { getSecret: async () => 'token' },
    journeys: memory.runtime.journeys,
    watermarks: memory.runtime.watermarks,
    versions: new MemoryPartitionVersions(),
    // Refine reads no congregado.
    congregados: {} as never,
    log: { info: () => undefined, warn: (message, attributes) => void warnings.push({ message, attributes }), error: () => undefined },
    now: () => new Date('2024-01-21T02:00:00Z'),
  });
  await lake.bronze.put('pending/animais/a.ndjson', records.map((r) => JSON.stringify(r)).join('\n'));
  await memory.runtime.journeys.begin('run-1', {}, { force: false, owner: 'exec-1' });
  const event = { runId: 'run-1', execution: 'exec-1', source: 'animais', window };
  const ingest = await ingestStep(event, rt);
  const refine = await refineStep({ ...event, ingest }, rt);
  return { refine, journey: memory.journeys.get('run-1')!, warnings };
}

describe('Refine step with schema drift', () => {
  it('puts the counts in its summary and journey step, and warns once naming the fields', async () => {
    const { refine, journey, warnings } = await steps([
      animal(1),
      { ...animal(2), cor: 'malhado' },
      { id_animal: 'A3', especie: 'ovino', dat_registro: animal(3).dat_registro, cor: 'branco' },
    ]);
    const drift = { records: 2, undeclared: { cor: 2 }, missing: { peso_kg: 1 } };
    expect(refine).toMatchObject({ source: 'animais', rows_read: 3, rows_written: 3, drift });
    expect(journey.steps.find((s) => s.name === 'refine')).toMatchObject({ status: 'SUCCEEDED', drift });
    expect(warnings.map((w) => w.message)).toEqual([
      'refine animais: 2 record(s) drifted from the declared fields: undeclared cor (2); missing peso_kg (1); declare the fields or set onDrift',
    ]);
  });

  it('keeps the counts small in the summary and the journey when every record brings keys of its own', async () => {
    const records = Array.from({ length: 500 }, (_, i) => ({ ...animal(i), [`campo_${i}_${'y'.repeat(300)}`]: i, [`outro_${i}`]: i }));
    const { refine, journey } = await steps(records);
    expect(Object.keys(refine.drift!.undeclared)).toHaveLength(MAX_DRIFT_FIELDS);
    expect(refine.drift).toMatchObject({ records: 500, others: 1000 - MAX_DRIFT_FIELDS });
    expect(Buffer.byteLength(JSON.stringify(refine.drift))).toBeLessThan(2_000);
    expect(Buffer.byteLength(JSON.stringify(journey.steps.find((s) => s.name === 'refine')))).toBeLessThan(5_000);
  });
});
