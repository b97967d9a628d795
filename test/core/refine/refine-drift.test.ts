// Refine under schema drift: the counts in its result, log and metrics by onDrift (ignore, warn, fail: nothing
// published, a rerun after the config fix publishes), and keepExtra's `_extra` column read back by DuckDB.
import { describe, expect, it, onTestFinished } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { fileURLToPath } from 'node:url';
import { parsePipelineConfig, type PipelineConfig } from '../../../lambdas/core/config.js';
import { silverTable } from '../../../lambdas/core/lake/layout.js';
import { SchemaDriftError } from '../../../lambdas/core/refine/errors.js';
import { animal, filesConfig, listKeys } from '../ingest/support.js';
import { DAY, pipeline } from './refine-lake.js';

/** The animais files source with the given drift options (and more declared fields). */
function animaisConfig(options: Record<string, unknown> = {}, more: Record<string, unknown>[] = []): PipelineConfig {
  const base = filesConfig().sources[0]!;
  return parsePipelineConfig({ sources: [{ ...base, ...options, fields: [...base.fields, ...more] }] });
}

const records = [
  animal(1),
  { ...animal(2), coupon: 'X10', meta: { z: 1, a: [2, { y: 1, b: 0 }] } },
  { id_animal: 'A3', especie: 'bovino', dat_registro: animal(3).dat_registro, coupon: 'X20' },
  // An explicit null is a value: not drift.
  { ...animal(4), peso_kg: null },
];

const DRIFT = { records: 2, undeclared: { coupon: 2, meta: 1 }, missing: { peso_kg: 1 } };

describe('refine with schema drift', () => {
  it('warn (the default): counts per field in its result and partition, one warning naming them, a SchemaDriftRecords metric', async () => {
    const config = animaisConfig();
    const p = await pipeline();
    await p.ingest(config, records);
    const { result, warnings, metrics } = await p.refine(config, 'r1');
    expect(result).toMatchObject({ rows_read: 4, rows_written: 4, drift: DRIFT });
    expect(result.partitions[0]!.drift).toEqual(DRIFT);
    expect(warnings).toEqual([
      {
        message:
          'refine animais: 2 record(s) drifted from the declared fields: undeclared coupon (2), meta (1); missing peso_kg (1); declare the fields or set onDrift',
        attributes: { drift: DRIFT, source: 'animais' },
      },
    ]);
    expect(metrics.filter((m) => m.name === 'SchemaDriftRecords')).toEqual([
      { name: 'SchemaDriftRecords', value: 2, dimensions: { step: 'refine', source: 'animais' } },
    ]);
  });

  it('warn without drift: no drift in the result and no warning, the metric at 0', async () => {
    const config = animaisConfig({ onDrift: 'warn' });
    const p = await pipeline();
    await p.ingest(config, [records[0]!, records[3]!]);
    const { result, warnings, metrics } = await p.refine(config, 'r1');
    expect(result).not.toHaveProperty('drift');
    expect(warnings).toEqual([]);
    expect(metrics.filter((m) => m.name === 'SchemaDriftRecords').map((m) => m.value)).toEqual([0]);
  });

  it('ignore: counted in the result (the processing log) only, no warning and no metric', async () => {
    const config = animaisConfig({ onDrift: 'ignore' });
    const p = await pipeline();
    await p.ingest(config, records);
    const { result, warnings, metrics } = await p.refine(config, 'r1');
    expect(result.drift).toEqual(DRIFT);
    expect(warnings).toEqual([]);
    expect(metrics.map((m) => m.name)).not.toContain('SchemaDriftRecords');
  });

  it('fail: SchemaDriftError naming the source, day, fields and what to do; nothing published; a rerun after the config fix publishes', async () => {
    const strict = animaisConfig({ onDrift: 'fail' });
    const p = await pipeline();
    await p.ingest(strict, records);
    const bronzeBefore = await listKeys(p.bronze, '');
    const failure = await p.refine(strict, 'r1').then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(SchemaDriftError);
    expect((failure as Error).message).toBe(
      'Source animais, anomesdia 20240119: 2 bronze record(s) drifted from the declared fields (undeclared coupon (2), meta (1); missing peso_kg (1)) ' +
        'and the source has onDrift: fail. Nothing was published for this partition and its bronze is kept: declare the fields in the source, ' +
        'or set its onDrift to warn or ignore (keepExtra: true keeps undeclared keys in an _extra column), then rerun the window.',
    );
    expect(await p.catalog.getPartitionLocation('db_silver', 'animais', { anomesdia: DAY })).toBeUndefined();
    expect(await p.versions.get(`silver/db_silver.animais/anomesdia=${DAY}`)).toBeUndefined();
    expect(await listKeys(p.silver, '')).toEqual([]);
    expect(await listKeys(p.bronze, '')).toEqual(bronzeBefore);

    // Declaring the new keys does not help here: two records lack coupon and three lack meta, which is drift too.
    const declared = animaisConfig({ onDrift: 'fail' }, [
      { name: 'coupon', type: 'string' },
      { name: 'meta', type: 'json' },
    ]);
    await expect(p.refine(declared, 'r2')).rejects.toThrow(/\(missing meta \(3\), coupon \(2\), peso_kg \(1\)\)/);
    // The fix for such a source: warn, keeping the undeclared keys. The same bronze publishes.
    const { result } = await p.refine(animaisConfig({ onDrift: 'warn', keepExtra: true }), 'r3');
    expect(result).toMatchObject({ rows_read: 4, rows_written: 4, drift: DRIFT });
    expect(await p.catalog.getPartitionLocation('db_silver', 'animais', { anomesdia: DAY })).toContain('/run=r3/');
    expect(await p.versions.get(`silver/db_silver.animais/anomesdia=${DAY}`)).toMatchObject({ run_id: 'r3', version: 1 });
  });

  it('keepExtra: the undeclared keys of each row in an _extra JSON column (sorted keys, null when none), in the silver table too', async () => {
    const config = animaisConfig({ keepExtra: true });
    expect(silverTable(config, config.sources[0]!).columns.map((c) => `${c.name}:${c.type}`)).toEqual([
      'id_animal:string',
      'especie:string',
      'peso_kg:decimal',
      'dat_registro:timestamp',
      '_extra:string',
      '_content_hash:string',
      '_ingested_at:timestamp',
      '_run_id:string',
    ]);
    const p = await pipeline();
    await p.ingest(config, records);
    const { result } = await p.refine(config, 'r1');
    expect(result.drift).toEqual(DRIFT);
    const db = await DuckDBInstance.create(':memory:');
    const sql = await db.connect();
    onTestFinished(() => {
      sql.closeSync();
      db.closeSync();
    });
    const location = fileURLToPath((await p.catalog.getPartitionLocation('db_silver', 'animais', { anomesdia: DAY }))!);
    const reader = await sql.runAndReadAll(
      `SELECT id_animal, _extra, json_extract_string(_extra, '$.coupon') AS coupon FROM read_parquet('${location}*.parquet') ORDER BY id_animal`,
    );
    expect(reader.getRowObjectsJson()).toEqual([
      { id_animal: 'A1', _extra: null, coupon: null },
      { id_animal: 'A2', _extra: '{"coupon":"X10","meta":{"a":[2,{"b":0,"y":1}],"z":1}}', coupon: 'X10' },
      { id_animal: 'A3', _extra: '{"coupon":"X20"}', coupon: 'X20' },
      { id_animal: 'A4', _extra: null, coupon: null },
    ]);
  });

  it('keepExtra: rows equal in their declared fields but not in _extra are both kept', async () => {
    const config = animaisConfig({ keepExtra: true });
    const p = await pipeline();
    await p.ingest(config, [records[0]!, { ...records[0]!, coupon: 'late' }, records[0]!]);
    const { result } = await p.refine(config, 'r1');
    // The third record is the first again: bronze's content-hash dedupe drops it at ingestion.
    expect(result).toMatchObject({ rows_read: 2, rows_written: 2, rows_duplicate: 0 });
  });
});
