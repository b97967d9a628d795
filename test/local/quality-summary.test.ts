// `npm start -- --config` with data-quality expectations on the file-drop example: the summary's Data quality
// line per source, the dropped row among the bad data, silver without it and the quality_results table, queried
// as `npm run query` does.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { queryCommand } from '../../local/query.js';
import { reading, runFileDrop } from './file-drop-run.js';

const dir = mkdtempSync(join(tmpdir(), 'medallion-quality-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm start with expectations', () => {
  it('prints a data quality line for the source, quarantines the dropped row and publishes the rest', async () => {
    const expectations = [
      { name: 'kwh_not_negative', action: 'drop', range: { field: 'kwh', min: 0 } },
      { name: 'known_meter', accepted_values: { field: 'meter_id', values: ['m-1', 'm-2'] } },
      { name: 'some_readings', action: 'fail', row_count: { min: 1 } },
    ];
    const readings = [reading(1), reading(2, { kwh: -5 }), reading(3)];
    const { report, summary, config, dataDir } = await runFileDrop(dir, { expectations }, readings);
    expect([report.outcome, report.error]).toEqual(['completed', undefined]);
    expect(summary).toContain(
      [
        'Data quality (expectations on silver and gold; see expectations in the config; npm run query -- --named quality-results)',
        '  refine readings: 2 of 3 expectation(s) failed: known_meter (warn) 1 of 3 row(s), kwh_not_negative (drop) 1 of 3 row(s)',
      ].join('\n'),
    );
    expect(summary).toMatch(/ {2}refine readings: 1 row\(s\) quarantined, each with its reason, in \S+_quarantine\//);
    const rows = await queryCommand({ config, 'data-dir': dataDir }, 'SELECT meter_id, kwh FROM db_silver.readings ORDER BY meter_id');
    expect(rows).toEqual([
      { meter_id: 'm-1', kwh: 10 },
      { meter_id: 'm-3', kwh: 30 },
    ]);
    // The results as a table, queried by its catalog name.
    const results = await queryCommand(
      { config, 'data-dir': dataDir },
      'SELECT anomesdia, source, expectation, action, rows_checked, rows_failed FROM db_silver.quality_results ORDER BY expectation',
    );
    expect(results).toEqual([
      { anomesdia: '20240314', source: 'readings', expectation: 'known_meter', action: 'warn', rows_checked: 3, rows_failed: 1 },
      { anomesdia: '20240314', source: 'readings', expectation: 'kwh_not_negative', action: 'drop', rows_checked: 3, rows_failed: 1 },
      { anomesdia: '20240314', source: 'readings', expectation: 'some_readings', action: 'fail', rows_checked: 3, rows_failed: 0 },
    ]);
  }, 120_000);
});
