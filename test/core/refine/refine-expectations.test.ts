// Refine with data-quality expectations, end to end on a temp-folder lake: warn counts and logs, drop sends
// the rows to the partition's quarantine naming the expectation, fail publishes nothing (the previous version
// stands, bronze is kept, a rerun after the fix publishes), row_count against the previous day's published
// partition, freshness against the run's clock; the processing log record and the metrics.
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parsePipelineConfig, type PipelineConfig } from '../../../lambdas/core/config.js';
import { ExpectationFailedError } from '../../../lambdas/core/quality/errors.js';
import type { QuarantineEntry } from '../../../lambdas/core/refine/types.js';
import { readParquet } from '../../support/parquet.js';
import { animal, filesConfig, listKeys } from '../ingest/support.js';
import { DAY, pipeline, recorder } from './refine-lake.js';
import { qualityResultRows } from '../quality/support.js';

/** The animais files source with these expectations. */
function withExpectations(expectations: unknown[]): PipelineConfig {
  return parsePipelineConfig({ sources: [{ ...filesConfig().sources[0]!, expectations }] });
}

const VERSION = (day: string) => `silver/db_silver.animais/anomesdia=${day}`;
// peso_kg is 100 + id/4; especie bovino for odd ids, suino for even ones.
const records = [1, 2, 3, 4].map((i) => animal(i));

describe('refine with expectations', () => {
  it('warn counts and logs; drop quarantines the rows with the expectation named and leaves them out of silver', async () => {
    const config = withExpectations([
      { name: 'known_species', accepted_values: { field: 'especie', values: ['bovino'] } },
      { name: 'heavy_enough', action: 'drop', range: { field: 'peso_kg', min: '100.5' } },
    ]);
    const p = await pipeline();
    await p.ingest(config, records);
    const at = new Date('2024-01-20T03:00:00Z');
    const { result, warnings, metrics, infos } = await p.refine(config, 'r1', { clock: () => at });

    expect(result).toMatchObject({ rows_read: 4, rows_written: 3, rows_invalid: 1 });
    expect(result.partitions[0]!.books).toBe('4 bronze = 3 silver + 0 duplicates + 1 quarantined');
    expect(result.partitions[0]!.expectations).toEqual([
      {
        expectation: 'known_species',
        rule: 'accepted_values(especie in "bovino")',
        action: 'warn',
        rows_checked: 4,
        rows_failed: 2,
        passed: false,
      },
      { expectation: 'heavy_enough', rule: 'range(peso_kg >= 100.5)', action: 'drop', rows_checked: 4, rows_failed: 1, passed: false },
    ]);
    const quality = {
      expectations: 2,
      passed: 0,
      failed: [
        { expectation: 'known_species', action: 'warn', rows_checked: 4, rows_failed: 2 },
        { expectation: 'heavy_enough', action: 'drop', rows_checked: 4, rows_failed: 1 },
      ],
    };
    expect(result.quality).toEqual(quality);

    // The dropped row in the partition's quarantine, pointing at its bronze line.
    const [entry, ...others] = Buffer.from(await p.silver.get(result.quarantine![0]!))
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as QuarantineEntry);
    expect(others).toEqual([]);
    expect(entry).toMatchObject({
      source: 'animais',
      anomesdia: DAY,
      run_id: 'r1',
      field: 'peso_kg',
      reason: 'expectation "heavy_enough" failed: range(peso_kg >= 100.5)',
      errors: [{ field: 'peso_kg', reason: 'expectation "heavy_enough" failed: range(peso_kg >= 100.5)' }],
      record: { id_animal: 'A1', especie: 'bovino', peso_kg: '100.25', dat_registro: '2024-01-19T01:00:00.000000Z' },
    });
    const bronzeLine = gunzipSync(await p.bronze.get(entry!.bronze_object))
      .toString('utf8')
      .split('\n')[entry!.line - 1]!;
    expect(JSON.parse(bronzeLine)).toMatchObject({ _content_hash: entry!._content_hash, record: animal(1) });

    // Silver holds the other three.
    const published = (await p.versions.get(VERSION(DAY)))!;
    expect(published).toMatchObject({ run_id: 'r1', rows: 3 });
    const silver = await readParquet(await p.silver.get(published.files[0]!.key));
    expect([...silver.data.id_animal!].sort()).toEqual(['A2', 'A3', 'A4']);

    expect(warnings.map((w) => w.message)).toEqual([
      'refine animais anomesdia 20240119: expectation "known_species" (accepted_values(especie in "bovino"), warn) failed on 2 of 4 row(s); ' +
        'expectation "heavy_enough" (range(peso_kg >= 100.5), drop) failed on 1 of 4 row(s)',
    ]);
    expect(metrics.filter((m) => m.name === 'ExpectationFailedRows')).toEqual([
      { name: 'ExpectationFailedRows', value: 2, dimensions: { step: 'refine', source: 'animais', expectation: 'known_species' } },
      { name: 'ExpectationFailedRows', value: 1, dimensions: { step: 'refine', source: 'animais', expectation: 'heavy_enough' } },
    ]);
    // The processing log record: the bounded summary, beside the drift field.
    const line = infos.find((i) => i.message === 'refine animais succeeded')!.attributes as {
      log_processamento: Record<string, unknown>;
      step: Record<string, unknown>;
    };
    expect(line.log_processamento.qualidade).toEqual(quality);
    expect(line.step.quality).toEqual(quality);

    // The results as rows of db_silver.quality_results, in the partition the catalog names.
    expect(await p.catalog.getPartitionLocation('db_silver', 'quality_results', { anomesdia: DAY })).toBe(
      p.silver.uri(`_quality_results/anomesdia=${DAY}/`),
    );
    // Epoch microseconds, as every timestamp column holds them.
    const checkedAt = at.getTime() * 1000;
    expect(await qualityResultRows(p.silver, DAY)).toEqual([
      {
        source: 'animais',
        expectation: 'known_species',
        rule: 'accepted_values(especie in "bovino")',
        action: 'warn',
        rows_checked: 4n,
        rows_failed: 2n,
        run_id: 'r1',
        checked_at: checkedAt,
        layer: 'silver',
      },
      {
        source: 'animais',
        expectation: 'heavy_enough',
        rule: 'range(peso_kg >= 100.5)',
        action: 'drop',
        rows_checked: 4n,
        rows_failed: 1n,
        run_id: 'r1',
        checked_at: checkedAt,
        layer: 'silver',
      },
    ]);
  });

  it('fail: ExpectationFailedError naming source, day, expectation and rows; the previous version stands; a rerun after the fix publishes', async () => {
    const p = await pipeline();
    const plain = withExpectations([]);
    await p.ingest(plain, records);
    const first = await p.refine(plain, 'r1');
    // No expectations: nothing about quality anywhere.
    expect(first.result).not.toHaveProperty('quality');
    expect(first.result.partitions[0]).not.toHaveProperty('expectations');
    expect(first.metrics.map((m) => m.name)).not.toContain('ExpectationFailedRows');
    const bronzeBefore = await listKeys(p.bronze, '');
    const silverBefore = await listKeys(p.silver, '');

    const strict = withExpectations([{ name: 'ids_short', action: 'fail', regex: { field: 'id_animal', pattern: '^A[1-3]$' } }]);
    const r = recorder();
    const failure = await p.refine(strict, 'r2', { recorder: r }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(ExpectationFailedError);
    expect((failure as Error).message).toBe(
      'Source animais, anomesdia 20240119: expectation "ids_short" (regex(id_animal ~ /^A[1-3]$/), action fail) failed on 1 of 4 row(s). ' +
        'Nothing was published for this partition and its bronze is kept: fix the data at its source, or the expectation ' +
        '(or set its action to warn or drop), then rerun the window.',
    );
    // The failing partition is still counted and logged.
    expect(r.metrics.filter((m) => m.name === 'ExpectationFailedRows').map((m) => m.value)).toEqual([1]);
    expect(await p.versions.get(VERSION(DAY))).toMatchObject({ run_id: 'r1', version: 1, rows: 4 });
    expect(await p.catalog.getPartitionLocation('db_silver', 'animais', { anomesdia: DAY })).toContain('/run=r1/');
    // Silver is as it was but for the quality_results file, which keeps the failed check.
    expect((await listKeys(p.silver, '')).filter((k) => !k.startsWith('_quality_results/'))).toEqual(silverBefore);
    expect((await qualityResultRows(p.silver, DAY)).map((row) => [row.run_id, row.expectation, row.rows_failed])).toEqual([
      ['r2', 'ids_short', 1n],
    ]);
    expect(await listKeys(p.bronze, '')).toEqual(bronzeBefore);

    const fixed = withExpectations([{ name: 'ids_short', action: 'fail', regex: { field: 'id_animal', pattern: '^A\\d+$' } }]);
    const { result } = await p.refine(fixed, 'r3');
    expect(result.quality).toEqual({ expectations: 1, passed: 1, failed: [] });
    expect(await p.versions.get(VERSION(DAY))).toMatchObject({ run_id: 'r3', version: 2, rows: 4 });
  });

  it('row_count previous_day_pct compares with the previous day published, also earlier in the same refine', async () => {
    const config = withExpectations([{ name: 'steady', action: 'fail', row_count: { previous_day_pct: 50 } }]);
    const p = await pipeline();
    await p.ingest(config, [...records, animal(5, 20)]);
    const days = { anomesdias: ['20240119', '20240120'] };
    await expect(p.refine(config, 'r1', days)).rejects.toThrow(
      'Source animais, anomesdia 20240120: expectation "steady" (row_count(within ±50% of the previous day), action fail) failed ' +
        '(1 row(s), the previous day 4: -75.0%, beyond ±50%).',
    );
    // The 19th had no day before it to compare with, and was published before the 20th failed.
    expect(await p.versions.get(VERSION('20240119'))).toMatchObject({ run_id: 'r1', rows: 4 });
    expect(await p.versions.get(VERSION('20240120'))).toBeUndefined();

    const looser = withExpectations([{ name: 'steady', action: 'fail', row_count: { previous_day_pct: 80 } }]);
    const { result } = await p.refine(looser, 'r2', days);
    expect(result.partitions.map((x) => x.expectations![0]!.detail)).toEqual([
      '4 row(s), no previous day published to compare with',
      '1 row(s), the previous day 4: -75.0%',
    ]);
    expect(await p.versions.get(VERSION('20240120'))).toMatchObject({ run_id: 'r2', rows: 1 });
  });

  it('freshness is measured against the run clock', async () => {
    const config = withExpectations([{ name: 'fresh', action: 'fail', freshness: { field: 'dat_registro', max_age_hours: 24 } }]);
    const p = await pipeline();
    await p.ingest(config, records);
    const { result } = await p.refine(config, 'r1', { clock: () => new Date('2024-01-20T00:00:00Z') });
    expect(result.partitions[0]!.expectations![0]).toMatchObject({ passed: true });
    await expect(p.refine(config, 'r2', { clock: () => new Date('2024-01-21T12:00:00Z') })).rejects.toThrow(
      'failed (the newest dat_registro, 2024-01-19T04:00:00.000Z, is 56.0 h old at 2024-01-21T12:00:00.000Z)',
    );
  });
});
