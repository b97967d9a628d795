// `npm start -- --config` on files that drift from the declared fields: the summary's drift line per source,
// and the `_extra` column that keepExtra adds, queried by its catalog name as `npm run query` does.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { queryCommand } from '../../local/query.js';
import { startCommand } from '../../local/run.js';

const dir = mkdtempSync(join(tmpdir(), 'medallion-drift-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm start on drifting records', () => {
  it('prints a drift line for the source and keeps its undeclared keys in _extra', async () => {
    const example = JSON.parse(readFileSync(fileURLToPath(new URL('../../examples/file-drop.json', import.meta.url)), 'utf8'));
    example.sources[0].keepExtra = true;
    const config = join(dir, 'readings.json');
    writeFileSync(config, JSON.stringify(example));
    const dataDir = join(dir, 'data');
    const pending = join(dataDir, 'lake/bronze/pending/readings');
    mkdirSync(pending, { recursive: true });
    const at = (h: number) => `2024-03-14T${String(h).padStart(2, '0')}:00:00Z`;
    const readings = [
      { meter_id: 'm-1', read_at: at(1), kwh: 10, estimated: false },
      { meter_id: 'm-2', read_at: at(2), kwh: 20, estimated: true, tariff: 'night', site: { id: 7 } },
      { meter_id: 'm-3', read_at: at(3), kwh: 30, tariff: 'day' },
    ];
    writeFileSync(join(pending, 'part-1.ndjson'), readings.map((r) => JSON.stringify(r)).join('\n') + '\n');

    const { report, summary } = await startCommand({ config, 'data-dir': dataDir, from: '2024-03-14' });
    expect([report.outcome, report.error]).toEqual(['completed', undefined]);
    expect(summary).toContain(
      [
        'Schema drift (records per field; see onDrift and keepExtra in the config)',
        '  refine readings: 2 record(s) drifted: undeclared tariff (2), site (1); missing estimated (1)',
      ].join('\n'),
    );
    const rows = await queryCommand({ config, 'data-dir': dataDir }, 'SELECT meter_id, _extra FROM db_silver.readings ORDER BY meter_id');
    expect(rows).toEqual([
      { meter_id: 'm-1', _extra: null },
      { meter_id: 'm-2', _extra: '{"site":{"id":7},"tariff":"night"}' },
      { meter_id: 'm-3', _extra: '{"tariff":"day"}' },
    ]);
  }, 120_000);
});
