// Exact types end to end: decimals to precision 38, longs past 2^53 and microsecond timestamps, dropped as
// bronze files, refined to silver, consolidated into gold and read back by DuckDB as the text that was sent;
// consolidation decided by the last decimal digit and the last microsecond; what does not fit quarantined.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesConsolidationConfig } from '../support/configs.js';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ingestSource } from '../../lambdas/core/ingest/ingest-source.js';
import { refineSource } from '../../lambdas/core/refine/refine-source.js';
import type { QuarantineEntry } from '../../lambdas/core/refine/types.js';
import { silverTable } from '../../lambdas/core/lake/layout.js';
import type { ConsolidateTableResult } from '../../lambdas/core/consolidate/types.js';
import { consolidateHere, startConsolidationLake, type ConsolidationLake } from '../support/consolidation-lake.js';
import { secrets } from './ingest/support.js';
import { tempStore } from '../support/temp-store.js';
import type { FsObjectStore } from '../../lambdas/adapters/local/fs-object-store.js';

const fields = [
  { name: 'num_oper', type: 'string', required: true },
  { name: 'vlr', type: 'decimal', precision: 18, scale: 2 },
  { name: 'valor', type: 'decimal', precision: 38, scale: 10 },
  { name: 'seq', type: 'long' },
  { name: 'ts', type: 'timestamp', required: true },
] as const;

const gold = { database: 'db_exact', tabela_consolidada: 'ops', chaves_principais: ['num_oper'], campos_decisao: ['vlr', 'valor', 'ts'] };
const config = filesConsolidationConfig(['sor', 'sot'], { fields, watermarkField: 'ts' }, gold);
const window = {
  mode: 'backfill' as const,
  from: '2024-01-18T00:00:00.000Z',
  to: '2024-01-20T00:00:00.000Z',
  anomesdias: ['20240118', '20240119'],
};

/** Each origin's records. sor is listed first, so it wins every full tie: sot wins below only by the one digit or microsecond it has more. */
const records: Record<'sor' | 'sot', Record<string, unknown>[]> = {
  sor: [
    // K1: decided by the last cent of an 18-digit decimal(18,2).
    { num_oper: 'K1', vlr: '1234567890123456.77', valor: '1', seq: '9007199254740993', ts: '2024-01-19T10:00:00.000001Z' },
    // K2: equal vlr; decided by the 19th digit of a decimal(38,10).
    { num_oper: 'K2', vlr: '9999999999999999.99', valor: '12345678.1234567890', seq: '1', ts: '2024-01-19T10:00:00Z' },
    // K3: equal decimals; decided by the last microsecond.
    { num_oper: 'K3', vlr: '1.00', valor: '2', seq: '-9223372036854775808', ts: '2024-01-19T10:00:00.123455Z' },
    // Out of range or not a timestamp: quarantined, with the reason.
    { num_oper: 'X1', vlr: '99999999999999999.99', ts: '2024-01-19T11:00:00Z' },
    { num_oper: 'X2', valor: '0.00000000001', ts: '2024-01-19T11:00:00Z' },
    { num_oper: 'X3', seq: '9223372036854775808', ts: '2024-01-19T11:00:00Z' },
    { num_oper: 'X4', ts: 12345 },
    // The comma form is the instant it says, and lands on its own day (not the window's last).
    { num_oper: 'D1', vlr: '0.01', ts: '2024-01-18T23:30:00,5Z' },
  ],
  sot: [
    { num_oper: 'K1', vlr: '1234567890123456.78', valor: '1', seq: '9007199254740993', ts: '2024-01-19T09:00:00Z' },
    { num_oper: 'K2', vlr: '9999999999999999.99', valor: '12345678.1234567891', seq: '2', ts: '2024-01-19T09:00:00Z' },
    { num_oper: 'K3', vlr: '1.00', valor: '2', seq: '9223372036854775807', ts: '2024-01-19T10:00:00.123456Z' },
  ],
};

describe('exact types from bronze to gold', () => {
  let lake: ConsolidationLake;
  let bronze: FsObjectStore;
  let cleanup: () => Promise<void>;
  const ingested: Record<string, string[]> = {};
  const quarantine: QuarantineEntry[] = [];
  let gold: ConsolidateTableResult;

  beforeAll(async () => {
    lake = await startConsolidationLake(config);
    ({ store: bronze, cleanup } = await tempStore());
    for (const source of config.sources) {
      const t = silverTable(config, source);
      await lake.deps.catalog.ensureTable({
        database: t.database,
        name: t.name,
        location: lake.deps.silver.uri(t.prefix),
        columns: t.columns,
        partitionKeys: t.partitionKeys,
      });
      const name = source.name as 'sor' | 'sot';
      await bronze.put(`pending/${name}/drop.ndjson`, records[name].map((r) => JSON.stringify(r)).join('\n'));
      const ingest = await ingestSource({ config, bronze, secrets }, { runId: `i-${name}`, source: name, window });
      ingested[name] = ingest.anomesdias;
      const refined = await refineSource(
        { config, bronze, silver: lake.deps.silver, catalog: lake.deps.catalog, versions: lake.deps.versions },
        { runId: `r-${name}`, source: name, window, anomesdias: ingest.anomesdias },
      );
      for (const key of refined.quarantine ?? [])
        for (const line of new TextDecoder()
          .decode(await lake.deps.silver.get(key))
          .trim()
          .split('\n'))
          quarantine.push(JSON.parse(line) as QuarantineEntry);
    }
    gold = await consolidateHere(lake.deps, { runId: 'g1', database: 'db_exact', tabela: 'ops', anomesdia: '20240119' });
  }, 60_000);
  afterAll(async () => {
    await lake?.stop();
    await cleanup?.();
  });

  it('reads back in DuckDB, from gold, the very digits and microseconds that were sent, and picks each winner by them', async () => {
    expect(gold).toMatchObject({ rows_read: 6, rows_written: 3, rows_invalid: 0 });
    const rows = await lake.engine.query(
      `SELECT num_oper, vlr::VARCHAR AS vlr, valor::VARCHAR AS valor, seq::VARCHAR AS seq,
         strftime(ts, '%Y-%m-%dT%H:%M:%S.%fZ') AS ts, origem FROM db_exact.ops WHERE anomesdia = '20240119' ORDER BY num_oper`,
    );
    expect(rows).toEqual([
      {
        num_oper: 'K1',
        vlr: '1234567890123456.78',
        valor: '1.0000000000',
        seq: '9007199254740993',
        ts: '2024-01-19T09:00:00.000000Z',
        origem: 'sot',
      },
      {
        num_oper: 'K2',
        vlr: '9999999999999999.99',
        valor: '12345678.1234567891',
        seq: '2',
        ts: '2024-01-19T09:00:00.000000Z',
        origem: 'sot',
      },
      { num_oper: 'K3', vlr: '1.00', valor: '2.0000000000', seq: '9223372036854775807', ts: '2024-01-19T10:00:00.123456Z', origem: 'sot' },
    ]);
    // The gold columns are the declared types, not doubles.
    const types = await lake.engine.query(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'ops' ORDER BY ordinal_position`,
    );
    expect(Object.fromEntries(types.map((t) => [t.column_name, t.data_type]))).toMatchObject({
      vlr: 'DECIMAL(18,2)',
      valor: 'DECIMAL(38,10)',
      seq: 'BIGINT',
      ts: 'TIMESTAMP',
    });
  });

  it('keeps silver exact too: the losing rows hold their own last digit and microsecond', async () => {
    const rows = await lake.engine.query(
      `SELECT num_oper, vlr::VARCHAR AS vlr, valor::VARCHAR AS valor, seq::VARCHAR AS seq, strftime(ts, '%Y-%m-%dT%H:%M:%S.%fZ') AS ts
         FROM ${config.storage.silverDatabase}.sor WHERE anomesdia = '20240119' ORDER BY num_oper`,
    );
    expect(rows).toEqual([
      { num_oper: 'K1', vlr: '1234567890123456.77', valor: '1.0000000000', seq: '9007199254740993', ts: '2024-01-19T10:00:00.000001Z' },
      { num_oper: 'K2', vlr: '9999999999999999.99', valor: '12345678.1234567890', seq: '1', ts: '2024-01-19T10:00:00.000000Z' },
      { num_oper: 'K3', vlr: '1.00', valor: '2.0000000000', seq: '-9223372036854775808', ts: '2024-01-19T10:00:00.123455Z' },
    ]);
  });

  it('quarantines a value its declared type cannot hold, and a bare number as a timestamp, each with the reason', () => {
    const reasons = Object.fromEntries(quarantine.map((q) => [(q.record as { num_oper: string }).num_oper, `${q.field}: ${q.reason}`]));
    expect(reasons).toEqual({
      X1: 'vlr: "99999999999999999.99" has 17 integer digits, more than decimal(18,2) holds (16)',
      X2: 'valor: "0.00000000001" has 11 decimal places, more than the scale 10 of decimal(38,10)',
      X3: 'seq: "9223372036854775808" is outside the range of a long integer (64-bit) (-2^63 .. 2^63-1)',
      X4: `ts: expected a timestamp (ISO-8601 text), got the number 12345; declare the field's format ("epoch_seconds" or "epoch_millis") to read numbers`,
    });
  });

  it('partitions "2024-01-18T23:30:00,5Z" on the 18th, the day of the instant refine stores', async () => {
    expect(ingested.sor).toEqual(['20240118', '20240119']);
    const rows = await lake.engine.query(
      `SELECT num_oper, strftime(ts, '%Y-%m-%dT%H:%M:%S.%fZ') AS ts FROM ${config.storage.silverDatabase}.sor WHERE anomesdia = '20240118'`,
    );
    expect(rows).toEqual([{ num_oper: 'D1', ts: '2024-01-18T23:30:00.500000Z' }]);
    // The gold file itself is Parquet DECIMAL and TIMESTAMP_MICROS: the same bytes any reader gets.
    const location = (await lake.deps.catalog.getPartitionLocation('db_exact', 'ops', { anomesdia: '20240119' }))!;
    expect(location).toBe(gold.location);
    expect((await readFile(`${fileURLToPath(location)}part-00000.snappy.parquet`)).subarray(0, 4).toString()).toBe('PAR1');
  });
});
