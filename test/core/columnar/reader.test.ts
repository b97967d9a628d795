import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { cellAt, isNumericColumn, isUtf8Column } from '../../../lambdas/core/columnar/columns.js';
import { readFlatParquet } from '../../../lambdas/core/columnar/reader.js';
import { writeFlatParquet } from '../../../lambdas/core/columnar/writer.js';
import { readParquet, tableFromRows, writeParquet } from '../../support/parquet.js';
import { operationColumns, random, randomRows } from '../consolidate/fixtures.js';

interface ParquetjsWriter {
  appendRow(row: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}
// parquetjs-lite ships no types; it writes v1 data pages with RLE-encoded definition levels.
const parquet = createRequire(import.meta.url)('parquetjs-lite') as {
  ParquetSchema: new (fields: Record<string, { type: string; optional: boolean }>) => unknown;
  ParquetWriter: { openFile(schema: unknown, path: string, options: { useDataPageV2: boolean }): Promise<ParquetjsWriter> };
};

describe('readFlatParquet', () => {
  it('reads what hyparquet reads from hyparquet-writer files (dictionary and v2 pages, nulls, several row groups)', async () => {
    const rows = randomRows(random(7), 3000, { nullRate: 0.3 });
    const bytes = writeParquet(tableFromRows(operationColumns, rows), { rowGroupSize: 1000 });
    const expected = await readParquet(bytes);
    const actual = readFlatParquet(bytes);
    expect(actual.rowCount).toBe(3000);
    expect(actual.columns).toEqual(expected.columns);
    for (const c of operationColumns) {
      const asMs = (v: unknown) => (v instanceof Date ? v.getTime() : v);
      expect(actual.data[c.name]!.map(asMs), c.name).toEqual(expected.data[c.name]!.map(asMs));
    }
  });

  it('reads numeric columns into typed arrays on request, from PLAIN and from dictionary pages, strings still as strings', async () => {
    const columns = [...operationColumns, { name: 'dia', type: 'date' as const }];
    const rows = randomRows(random(11), 2500, { nullRate: 0.3 }).map((r, i) => ({
      ...r,
      dia: i % 4 === 0 ? null : new Date(Date.UTC(2024, 0, 1 + (i % 40))),
    }));
    const table = tableFromRows(columns, rows);
    for (const bytes of [writeFlatParquet(table, { rowGroupSize: 1000 }), writeParquet(table, { rowGroupSize: 1000 })]) {
      const expected = await readParquet(bytes);
      const typed = readFlatParquet(bytes, undefined, undefined, { typed: true });
      for (const c of columns) {
        const data = typed.data[c.name]!;
        if (c.type === 'decimal' || c.type === 'long') expect(Array.isArray(data), c.name).toBe(true);
        else expect(c.type === 'string' ? isUtf8Column(data) : isNumericColumn(data), c.name).toBe(true);
        const asMs = (v: unknown) => (v instanceof Date ? v.getTime() : v);
        expect(
          Array.from({ length: 2500 }, (_, i) => asMs(cellAt(c.type, data, i))),
          c.name,
        ).toEqual(expected.data[c.name]!.map(asMs));
      }
    }
  });

  it('reads plain INT64 pages exactly: longs and decimals as bigints, timestamps as epoch µs, negatives included', () => {
    const columns = [
      { name: 'l', type: 'long' as const },
      { name: 'ts', type: 'timestamp' as const },
      { name: 'dec', type: 'decimal' as const, precision: 18, scale: 2 },
    ];
    const rows = [-5e15, -1, 0, 1, 2 ** 40 + 3, null].map((n, i) => ({
      l: n === null ? null : BigInt(n) * 1000n + 7n,
      ts: n === null ? null : n + i,
      dec: n === null ? null : BigInt(n) * 100n + 99n,
    }));
    const table = readFlatParquet(writeFlatParquet(tableFromRows(columns, rows)));
    expect(table.data.l).toEqual(rows.map((r) => r.l));
    expect(table.data.ts).toEqual(rows.map((r) => r.ts));
    expect(table.data.dec).toEqual(rows.map((r) => r.dec));
  });

  it('reads plain pages of strings: non-ASCII, 128 bytes and longer, empty, nulls and runs of nulls, as hyparquet does', async () => {
    const columns = [
      { name: 's', type: 'string' as const },
      { name: 'n', type: 'integer' as const },
      { name: 'b', type: 'boolean' as const },
    ];
    const strings = ['plain', 'ação', '😀 emoji', 'x'.repeat(128), 'y'.repeat(300), '', null];
    const rows = Array.from({ length: 2500 }, (_, i) => ({
      s: i >= 1000 && i < 1200 ? null : strings[i % strings.length]!,
      n: i % 5 === 0 || (i > 2000 && i < 2100) ? null : i - 1000,
      b: i % 3 === 0 ? null : i % 2 === 0,
    }));
    // Only ASCII values below 128 bytes on the pages of rows 1500.. (the single-decode path); the others mix.
    for (let i = 1500; i < 2500; i++) if (rows[i]!.s !== null) rows[i]!.s = `op-${i}`;
    for (const bytes of [
      writeFlatParquet(tableFromRows(columns, rows), { pageRows: 500, rowGroupSize: 1000 }),
      writeParquet(tableFromRows(columns, rows), { rowGroupSize: 1000 }),
    ]) {
      const expected = await readParquet(bytes);
      const actual = readFlatParquet(bytes);
      for (const c of columns) expect(actual.data[c.name], c.name).toEqual(expected.data[c.name]);
      expect(actual.data.s).toEqual(rows.map((r) => r.s));
    }
  });

  it('reads v1 plain pages whose definition levels are RLE runs (parquetjs-lite files)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flat-reader-'));
    try {
      const file = join(dir, 'rle.parquet');
      const writer = await parquet.ParquetWriter.openFile(
        new parquet.ParquetSchema({ s: { type: 'UTF8', optional: true }, n: { type: 'INT32', optional: true } }),
        file,
        { useDataPageV2: false },
      );
      const rows = Array.from({ length: 400 }, (_, i) => (i < 100 || (i >= 250 && i < 320) ? { s: null, n: null } : { s: `v${i}`, n: i }));
      for (const row of rows) await writer.appendRow(Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null)));
      await writer.close();
      const table = readFlatParquet(new Uint8Array(await readFile(file)));
      expect(table.data.s).toEqual(rows.map((r) => r.s));
      expect(table.data.n).toEqual(rows.map((r) => r.n));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads only the named columns', () => {
    const bytes = writeParquet(tableFromRows(operationColumns, randomRows(random(1), 10)));
    expect(Object.keys(readFlatParquet(bytes, ['cod_moed', 'num_oper']).data)).toEqual(['num_oper', 'cod_moed']);
  });
});
