// The reader on Parquet files laid out as a Glue 5.0 (Spark 3.5, parquet-mr 1.13.1) job writes them: INT96 and
// TIMESTAMP_MICROS timestamps, INT32/INT64/FIXED_LEN_BYTE_ARRAY decimals, dictionary and PLAIN pages, REQUIRED columns.
import { describe, expect, it } from 'vitest';
import { cellAt } from '../../../lambdas/core/columnar/columns.js';
import { readColumns, readFlatParquet } from '../../../lambdas/core/columnar/reader.js';
import type { FlatTable } from '../../../lambdas/core/columnar/types.js';
import { writeSparkParquet, type SparkCell, type SparkColumn, type SparkTimestampType } from '../../support/spark-parquet.js';

const columns: SparkColumn[] = [
  { name: 'id', type: 'long', nullable: false },
  { name: 'ts', type: 'timestamp' },
  { name: 'valor', type: 'decimal', precision: 9, scale: 2 },
  { name: 'saldo', type: 'decimal', precision: 18, scale: 4 },
  { name: 'grande', type: 'decimal', precision: 38, scale: 10 },
  { name: 'dia', type: 'date' },
  { name: 'origem', type: 'string' },
  { name: 'ativo', type: 'boolean' },
  { name: 'n', type: 'integer' },
  { name: 'taxa', type: 'double' },
];

/** Every column null: the third row, but for its id and timestamp. */
const nulls = Object.fromEntries(columns.map((c) => [c.name, null])) as Record<string, null>;

const rows: Record<string, SparkCell>[] = [
  {
    id: 1n,
    ts: '2024-03-14T10:15:30.123456Z',
    valor: '1234567.89',
    saldo: '-99999999999999.9999',
    grande: '12345678.1234567891',
    dia: '2024-03-14',
    origem: 'São Paulo',
    ativo: true,
    n: 7,
    taxa: 0.1,
  },
  {
    id: 2n,
    // Before 1970 with a sub-millisecond part: kept to the microsecond.
    ts: '1969-07-20T20:17:40.123456Z',
    valor: '-0.01',
    saldo: '0.0001',
    grande: '-1.5',
    dia: '1969-07-20',
    origem: '東京',
    ativo: false,
    n: -2147483648,
    taxa: -0,
  },
  { ...nulls, id: 3n, ts: '1969-12-31T23:59:59.999999Z' },
  {
    id: 4n,
    ts: null,
    valor: '9999999.99',
    saldo: '1234567890.1234',
    grande: '0.0000000001',
    dia: '1900-01-01',
    origem: '',
    ativo: true,
    n: 2147483647,
    taxa: 1e300,
  },
];

/** What the pipeline holds for the rows above: timestamps as epoch µs, dates as epoch ms, longs and decimals (unscaled) as bigints. */
const expected = [
  {
    id: 1n,
    ts: Date.UTC(2024, 2, 14, 10, 15, 30, 123) * 1000 + 456,
    valor: 123456789n,
    saldo: -999999999999999999n,
    grande: 123456781234567891n,
    dia: Date.UTC(2024, 2, 14),
    origem: 'São Paulo',
    ativo: true,
    n: 7,
    taxa: 0.1,
  },
  {
    id: 2n,
    ts: Date.UTC(1969, 6, 20, 20, 17, 40, 123) * 1000 + 456,
    valor: -1n,
    saldo: 1n,
    grande: -15000000000n,
    dia: Date.UTC(1969, 6, 20),
    origem: '東京',
    ativo: false,
    n: -2147483648,
    taxa: -0,
  },
  { ...nulls, id: 3n, ts: Date.UTC(1969, 11, 31, 23, 59, 59, 999) * 1000 + 999 },
  {
    id: 4n,
    ts: null,
    valor: 999999999n,
    saldo: 12345678901234n,
    grande: 1n,
    dia: Date.UTC(1900, 0, 1),
    origem: '',
    ativo: true,
    n: 2147483647,
    taxa: 1e300,
  },
];

function cells(table: FlatTable): Record<string, unknown>[] {
  return Array.from({ length: table.rowCount }, (_, i) =>
    Object.fromEntries(
      table.columns.map((c) => {
        const v = cellAt(c.type, table.data[c.name], i);
        return [c.name, v instanceof Date ? v.getTime() : v];
      }),
    ),
  );
}

const variants: { timestamps: SparkTimestampType; dictionary: boolean }[] = [
  { timestamps: 'INT96', dictionary: true },
  { timestamps: 'INT96', dictionary: false },
  { timestamps: 'TIMESTAMP_MICROS', dictionary: true },
  { timestamps: 'TIMESTAMP_MICROS', dictionary: false },
];

describe('the reader on Spark-written Parquet', () => {
  for (const { timestamps, dictionary } of variants) {
    it(`reads every Spark type exactly: ${timestamps} timestamps, ${dictionary ? 'dictionary' : 'PLAIN'} pages`, () => {
      const bytes = writeSparkParquet(columns, rows, { timestamps, dictionary, rebaseMode: 'CORRECTED' });
      const table = readColumns(bytes, { file: 'part-00000.snappy.parquet' });
      // Spark's types as the pipeline names them; nullability is not part of a column's type.
      expect(table.columns).toEqual(
        columns.map((c) => ({ name: c.name, type: c.type, ...(c.type === 'decimal' ? { precision: c.precision, scale: c.scale } : {}) })),
      );
      expect(cells(table)).toEqual(expected);
      // The cell reader (no typed arrays) agrees.
      const plain = readFlatParquet(bytes);
      expect(plain.data.ts!.map((v) => (v instanceof Date ? v.getTime() : v))).toEqual(expected.map((r) => r.ts));
      expect(plain.data.grande).toEqual(expected.map((r) => r.grande));
    });
  }

  it('reads a file whose INT96 column is not asked for', () => {
    const bytes = writeSparkParquet(columns, rows, { timestamps: 'INT96' });
    expect(cells(readColumns(bytes, { columns: ['id', 'origem'] }))).toEqual(expected.map((r) => ({ id: r.id, origem: r.origem })));
  });

  it('agrees across a chunk that mixes dictionary and PLAIN pages and spans row groups', () => {
    // Many distinct strings overflow a small dictionary, so the chunk falls back to PLAIN part-way through.
    const many = Array.from({ length: 3000 }, (_, i) => ({
      id: BigInt(i),
      ts: { epochNanos: -1_000_000_000_123_456_000n + BigInt(i) * 1_000_001_000n },
      valor: `${i}.${String(i % 100).padStart(2, '0')}`,
      saldo: `-${i}.0001`,
      grande: `${i}.5`,
      dia: i - 1500,
      origem: `origem-${i}-ação`,
      ativo: i % 2 === 0,
      n: i,
      taxa: i / 7,
    }));
    for (const timestamps of ['INT96', 'TIMESTAMP_MICROS'] as const) {
      const bytes = writeSparkParquet(columns, many, { timestamps, rowGroupRows: 1100, dictionaryPageSize: 4096, pageRowCountLimit: 500 });
      const table = readColumns(bytes);
      expect(table.rowCount).toBe(3000);
      const got = cells(table);
      for (const i of [0, 1, 499, 500, 1099, 1100, 2999]) {
        const ns = -1_000_000_000_123_456_000n + BigInt(i) * 1_000_001_000n;
        expect(got[i], `${timestamps} row ${i}`).toEqual({
          id: BigInt(i),
          ts: Number(ns / 1000n),
          valor: BigInt(i * 100 + (i % 100)),
          saldo: -BigInt(i * 10000 + 1),
          grande: BigInt(i) * 10n ** 10n + 5n * 10n ** 9n,
          dia: (i - 1500) * 86_400_000,
          origem: `origem-${i}-ação`,
          ativo: i % 2 === 0,
          n: i,
          taxa: i / 7,
        });
      }
    }
  });
});
