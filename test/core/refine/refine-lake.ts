// A temp-folder lake for refine tests: records ingested into bronze as the animais file drop, then refined
// with a given config (the same lake, catalog and versions each time), its log lines and metrics recorded.
import { onTestFinished } from 'vitest';
import type { PipelineConfig } from '../../../lambdas/core/config.js';
import { ingestSource } from '../../../lambdas/core/ingest/ingest-source.js';
import { lakeTables } from '../../../lambdas/core/lake/layout.js';
import { refineSource } from '../../../lambdas/core/refine/refine-source.js';
import { MemoryCatalog } from '../../support/memory-catalog.js';
import { MemoryPartitionVersions } from '../../support/memory-partition-versions.js';
import { tempStore } from '../../support/temp-store.js';
import { secrets, window } from '../ingest/support.js';

export const DAY = '20240119';

/** A logger and metrics sink that keep what they were given. */
export function recorder() {
  const infos: { message: string; attributes?: Record<string, unknown> }[] = [];
  const warnings: { message: string; attributes?: Record<string, unknown> }[] = [];
  const metrics: { name: string; value: number; dimensions: Record<string, string> }[] = [];
  return {
    infos,
    warnings,
    metrics,
    log: {
      info: (message: string, attributes?: Record<string, unknown>) => void infos.push({ message, attributes }),
      error: () => undefined,
      warn: (message: string, attributes?: Record<string, unknown>) => void warnings.push({ message, attributes }),
    },
    sink: {
      add: (name: string, _unit: string, value: number, dimensions: Record<string, string>) =>
        void metrics.push({ name, value, dimensions }),
    },
  };
}

/** Ingests the records into bronze, then refines them with `config`; removed after the test. */
export async function pipeline() {
  const [b, s] = await Promise.all([tempStore(), tempStore()]);
  onTestFinished(() => Promise.all([b.cleanup(), s.cleanup()]).then(() => undefined));
  const bronze = b.store;
  const silver = s.store;
  const catalog = new MemoryCatalog();
  const versions = new MemoryPartitionVersions();
  return {
    bronze,
    silver,
    catalog,
    versions,
    async ingest(config: PipelineConfig, rows: Record<string, unknown>[]) {
      await bronze.put(`pending/animais/p-${rows.length}.ndjson`, rows.map((r) => JSON.stringify(r)).join('\n'));
      return ingestSource({ config, bronze, secrets }, { runId: 'i1', source: 'animais', window });
    },
    async refine(
      config: PipelineConfig,
      runId: string,
      options: { anomesdias?: string[]; clock?: () => Date; recorder?: ReturnType<typeof recorder> } = {},
    ) {
      const r = options.recorder ?? recorder();
      // The silver tables, as the CDK and the local catalog declare them: the source's, and quality_results with expectations.
      for (const t of lakeTables(config).filter((t) => t.layer === 'silver'))
        await catalog.ensureTable({ ...t, location: silver.uri(t.prefix) });
      const result = await refineSource(
        { config, bronze, silver, catalog, versions, log: r.log, metrics: r.sink, ...(options.clock ? { clock: options.clock } : {}) },
        { runId, source: 'animais', window, anomesdias: options.anomesdias ?? [DAY] },
      );
      return { result, ...r };
    },
  };
}
