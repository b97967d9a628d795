// `npm start -- --config` on files that drift from the declared fields: the summary's drift line per source,
// and the `_extra` column that keepExtra adds, queried by its catalog name as `npm run query` does.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { queryCommand } from '../../local/query.js';
import { reading, runFileDrop } from './file-drop-run.js';

const dir = mkdtempSync(join(tmpdir(), 'medallion-drift-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm start on drifting records', () => {
  it('prints a drift line for the source and keeps its undeclared keys in _extra', async () => {
    const readings = [
      reading(1, { estimated: false }),
      reading(2, { estimated: true, tariff: 'night', site: { id: 7 } }),
      reading(3, { tariff: 'day' }),
    ];
    const { report, summary, config, dataDir } = await runFileDrop(dir, { keepExtra: true }, readings);
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
