// Writing 200,000 rows of seed 000's operation table as snappy Parquet: parquetjs-lite against
// hyparquet-writer (through lambdas/core/parquet.ts), the figures behind the choice of hyparquet-writer,
// and the pipeline's own flat writer (silver and gold), which every output is checked to read back.
import { createRequire } from 'node:module';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFlatParquet } from '../lambdas/core/columnar/writer.js';
import type { TableColumn } from '../lambdas/core/columnar/types.js';
import { readParquet, rowsFromTable, tableFromRows, writeParquet, tableColumns } from '../test/support/parquet.js';

const ROWS = Number(process.env.ROWS ?? 200_000);
const columns: TableColumn[] = tableColumns({
  num_oper: 'string',
  cod_idef_ver_oper: 'integer',
  dat_vlr_even_oper: 'timestamp',
  num_prio_even_oper: 'integer',
  dat_recm_even_oper: 'timestamp',
  vlr_oper: 'double',
  cod_moed: 'string',
  des_stat_oper: 'string',
  updated_at: 'timestamp',
});
const base = Date.UTC(2024, 0, 19);
const rows = Array.from({ length: ROWS }, (_, i) => ({
  num_oper: `OP${String(i * 7).padStart(10, '0')}`,
  cod_idef_ver_oper: i % 3,
  dat_vlr_even_oper: new Date(base + (i % 24) * 3_600_000),
  num_prio_even_oper: i % 10 === 0 ? null : i % 5,
  dat_recm_even_oper: new Date(base + (i % 86_400) * 1000),
  vlr_oper: Math.round(i * 1234.56) / 100,
  cod_moed: ['BRL', 'USD', 'EUR'][i % 3]!,
  des_stat_oper: `ATIVA ${(i * 13) % 1_000_000}`,
  updated_at: new Date(base + 86_400_000 + i),
}));

// parquetjs-lite ships no types; it is used here only to measure it.
const parquetjs = createRequire(import.meta.url)('parquetjs-lite') as any;
const PARQUETJS_TYPES: Record<string, string> = { string: 'UTF8', integer: 'INT32', timestamp: 'TIMESTAMP_MILLIS', double: 'DOUBLE' };

async function withParquetjs(file: string): Promise<void> {
  const schema = new parquetjs.ParquetSchema(
    Object.fromEntries(columns.map((c) => [c.name, { type: PARQUETJS_TYPES[c.type], optional: true, compression: 'SNAPPY' }])),
  );
  const writer = await parquetjs.ParquetWriter.openFile(schema, file);
  for (const row of rows) await writer.appendRow(Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null)));
  await writer.close();
}

async function withHyparquet(file: string): Promise<void> {
  await writeFile(file, writeParquet(tableFromRows(columns, rows)));
}

async function withFlatWriter(file: string): Promise<void> {
  await writeFile(file, writeFlatParquet(tableFromRows(columns, rows)));
}

/** Rows read back (with hyparquet) that differ from the rows written: 0 for a writer that is right. */
async function differences(file: string): Promise<number> {
  const back = rowsFromTable(await readParquet(new Uint8Array(await readFile(file))));
  // Timestamps are read back as epoch microseconds.
  const ms = (v: unknown) => (v instanceof Date ? v.getTime() * 1000 : v);
  let wrong = Math.abs(back.length - rows.length);
  for (let i = 0; i < Math.min(back.length, rows.length); i++) {
    if (columns.some((c) => ms(back[i]![c.name]) !== ms((rows[i] as Record<string, unknown>)[c.name]))) wrong++;
  }
  return wrong;
}

const dir = await mkdtemp(join(tmpdir(), 'bench-parquet-libs-'));
try {
  for (const [name, write] of [
    ['hyparquet-writer', withHyparquet],
    ['parquetjs-lite', withParquetjs],
    ['flat writer (ours)', withFlatWriter],
  ] as const) {
    const file = join(dir, `${name.replace(/\W+/g, '-')}.parquet`);
    const started = performance.now();
    await write(file);
    const ms = performance.now() - started;
    const wrong = await differences(file);
    console.log(
      `${name}: ${ROWS} rows snappy in ${(ms / 1000).toFixed(2)} s (${Math.round(ROWS / (ms / 1000))} rows/s), ${((await stat(file)).size / 1024 ** 2).toFixed(1)} MB; read back ${wrong === 0 ? 'identical' : `with ${wrong} rows DIFFERENT`}`,
    );
    if (wrong !== 0) process.exitCode = 1;
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
