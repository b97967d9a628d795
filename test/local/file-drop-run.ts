// `npm start -- --config` on the file-drop example, changed by a test, with readings dropped as one NDJSON file
// of 2024-03-14: what the summary tests run.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCommand } from '../../local/run.js';

/** A reading of meter m-<n> at hour n of 2024-03-14 (UTC). */
export const reading = (n: number, more: Record<string, unknown> = {}) => ({
  meter_id: `m-${n}`,
  read_at: `2024-03-14T${String(n).padStart(2, '0')}:00:00Z`,
  kwh: n * 10,
  ...more,
});

/** Runs the example's pipeline in `dir` for 2024-03-14 with its source changed by `source`; the config and data dir are returned for queries. */
export async function runFileDrop(dir: string, source: Record<string, unknown>, readings: Record<string, unknown>[]) {
  const example = JSON.parse(readFileSync(fileURLToPath(new URL('../../examples/file-drop.json', import.meta.url)), 'utf8'));
  Object.assign(example.sources[0], source);
  const config = join(dir, 'readings.json');
  writeFileSync(config, JSON.stringify(example));
  const dataDir = join(dir, 'data');
  const pending = join(dataDir, 'lake/bronze/pending/readings');
  mkdirSync(pending, { recursive: true });
  writeFileSync(join(pending, 'part-1.ndjson'), readings.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const { report, summary } = await startCommand({ config, 'data-dir': dataDir, from: '2024-03-14' });
  return { report, summary, config, dataDir };
}
