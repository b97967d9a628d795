// The Refine step run as the state machine runs it (after Ingest) on the animais file drop with source
// options, on a temp-folder local lake and in-memory journeys: its summary, journey and warnings.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { parsePipelineConfig } from '../../lambdas/core/config.js';
import { ingestStep } from '../../lambdas/steps/ingest.js';
import { refineStep } from '../../lambdas/steps/refine.js';
import { composeRuntime } from '../../lambdas/steps/runtime.js';
import { localCatalog, localLake } from '../../local/runtime.js';
import { filesConfig, window } from '../core/ingest/support.js';
import { memoryRuntime } from '../support/memory-runtime.js';
import { MemoryPartitionVersions } from '../support/memory-partition-versions.js';

export async function refineSteps(records: Record<string, unknown>[], options: Record<string, unknown> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'refine-step-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const config = parsePipelineConfig({ sources: [{ ...filesConfig().sources[0]!, ...options }] });
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
