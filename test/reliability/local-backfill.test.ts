// A year's backfill run locally end to end (demo API, dynalite, the file-system lake, DuckDB), on the
// synthesized definition: every Task carries its TimeoutSeconds, so no step meets aws-local-stepfunctions'
// 60-second default, and the year's state stays within Step Functions' 256 KB.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runLocal } from '../../local/local-run.js';

const dataDir = mkdtempSync(join(tmpdir(), 'medallion-year-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('a local backfill of a year', () => {
  it('completes 366 days of the demo sources sor and sot, each gold partition consolidated once', async () => {
    // One operation per system and day keeps the data small; the days, the partitions and the calls are a year's.
    const report = await runLocal({
      dataDir,
      now: new Date('2024-03-15T02:00:00Z'),
      operations: 1,
      faults: false,
      input: { mode: 'backfill', from: '2023-03-15', to: '2024-03-14', sources: ['sor', 'sot'] },
    });
    expect(report.error).toBeUndefined();
    expect(report.outcome).toBe('completed');
    expect(report.journey?.status).toBe('COMPLETED');
    const [consolidation] = report.result!.consolidations;
    expect(consolidation).toMatchObject({ partitions: 366, on_glue: 0, first_anomesdia: '20230315', last_anomesdia: '20240314' });
    // A day may hold only a source's invalid demo records; the gold partitions are the days either source wrote.
    expect(report.result!.sources.map((s) => s.source)).toEqual(['sor', 'sot']);
    for (const s of report.result!.sources) expect(s.refine.partitions).toBeGreaterThan(200);
    // Each partition's, and the Gold tables step's once for them all.
    expect(report.journey!.steps.filter((s) => s.name === 'consolidate' && s.status === 'SUCCEEDED')).toHaveLength(367);
  }, 600_000);
});
