// Consolidation of 1,000,000 silver rows from three origins into one gold partition, Parquet to
// Parquet: the TypeScript engine (what the Lambda runs) against DuckDB running the generated SQL on
// the same files. Each engine runs in its own child process so that its peak RSS is its own.
// Usage: npm run bench -- consolidate   (ROWS=200000 for a quicker run)
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { consolidate } from '../lambdas/core/consolidate/engine.js';
import { readColumns } from '../lambdas/core/columnar/reader.js';
import { writeColumns } from '../lambdas/core/columnar/writer.js';
import { consolidationSql, type ConsolidationSqlSpec } from '../lambdas/core/consolidate/sql.js';
import type { ConsolidationRules } from '../lambdas/core/consolidate/spec.js';
import { findSource, parsePipelineConfig } from '../lambdas/core/config.js';
import { compileExpectations, flatTableRows, goldExpectations } from '../lambdas/core/quality/expectations.js';
import { defaultPipelineConfig } from '../lambdas/core/default-config.js';
import type { CellValue, TableColumn } from '../lambdas/core/columnar/types.js';
import { fieldColumns } from '../lambdas/core/lake/tables.js';

const ROWS = Number(process.env.ROWS ?? 1_000_000);
const ORIGINS = ['sor', 'sot', 'legado'];
// The seed 000 operation table, as the demo config declares its `sor` source.
const columns: TableColumn[] = fieldColumns(findSource(parsePipelineConfig(defaultPipelineConfig), 'sor'));
const rules: ConsolidationRules = {
  origens: ORIGINS,
  chaves_principais: ['num_oper', 'cod_idef_ver_oper'],
  campos_decisao: [
    { campo: 'dat_vlr_even_oper', direcao: 'desc' },
    { campo: 'num_prio_even_oper', direcao: 'desc' },
    { campo: 'dat_recm_even_oper', direcao: 'desc' },
  ],
};
const fileOf = (dir: string, origem: string) => join(dir, `${origem}.parquet`);

/** One origin's rows: 30% of its keys come from a pool every origin shares, the rest are its own. */
function originColumns(o: number, rows: number): Record<string, CellValue[]> {
  let seed = 12345 + o;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  const base = Date.UTC(2024, 0, 19);
  const shared = Math.floor(rows * 0.3);
  const data: Record<string, CellValue[]> = Object.fromEntries(columns.map((c) => [c.name, new Array<CellValue>(rows)]));
  const status = ['ATIVA', 'LIQUIDADA', 'CANCELADA', 'PENDENTE'];
  const moedas = ['BRL', 'USD', 'EUR'];
  for (let i = 0; i < rows; i++) {
    const key = rnd() < 0.3 ? Math.floor(rnd() * shared) : shared + o * rows + i;
    data.num_oper![i] = `OP${String(key).padStart(10, '0')}`;
    data.cod_idef_ver_oper![i] = key % 3;
    // Timestamps in epoch microseconds, decimals as unscaled bigints (cents), as silver holds them.
    data.dat_vlr_even_oper![i] = (base + Math.floor(rnd() * 24) * 3_600_000) * 1000;
    data.num_prio_even_oper![i] = rnd() < 0.1 ? null : Math.floor(rnd() * 5);
    data.dat_recm_even_oper![i] = (base + Math.floor(rnd() * 86_400) * 1000) * 1000 + Math.floor(rnd() * 1000);
    data.vlr_oper![i] = BigInt(Math.round(rnd() * 1e8));
    data.cod_moed![i] = moedas[i % 3]!;
    data.des_stat_oper![i] = `${status[i % 4]} ${Math.floor(rnd() * 1e6)}`;
    data.updated_at![i] = (base + 86_400_000 + i) * 1000;
  }
  return data;
}

/** CPU seconds of this process (user + system, all threads), in ms: fairer than wall time on a busy machine. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

async function runTypeScript(dir: string): Promise<Record<string, number>> {
  const cpuAtStart = cpuMs();
  const started = performance.now();
  const inputs = await Promise.all(
    ORIGINS.map(async (o) => ({ origem: o, ...readColumns(new Uint8Array(await readFile(fileOf(dir, o)))) })),
  );
  const read = performance.now();
  const result = consolidate(rules, inputs, { columns });
  const deduped = performance.now();
  inputs.length = 0;
  await writeFile(join(dir, 'gold-ts.parquet'), writeColumns(result.table));
  const done = performance.now();
  // The demo consolidation's expectations on the gold rows (a unique key of two columns, a regex), as
  // consolidate checks them before publishing: timed apart, so the engine's figures stay comparable.
  const config = parsePipelineConfig(defaultPipelineConfig);
  const checked = goldExpectations(config, config.consolidations[0]!);
  const order = new Uint32Array(result.table.rowCount);
  for (let r = 0; r < order.length; r++) order[r] = r;
  const checkStarted = performance.now();
  const quality = compileExpectations(checked)!.evaluate(flatTableRows(result.table, checked.fields), order, { now: new Date() });
  const expectationsMs = performance.now() - checkStarted;
  return {
    rows_in: result.rows_read,
    rows_out: result.table.rowCount,
    read_ms: read - started,
    dedupe_ms: deduped - read,
    write_ms: done - deduped,
    wall_ms: done - started,
    cpu_ms: cpuMs() - cpuAtStart,
    peak_rss_mb: peakRssMb(),
    expectations: quality.results.length,
    expectations_failed_rows: quality.results.reduce((n, r) => n + r.rows_failed, 0),
    expectations_ms: expectationsMs,
  };
}

function duckDbSql(dir: string): string {
  const spec: ConsolidationSqlSpec = {
    ...rules,
    columns,
    sources: ORIGINS.map((o) => ({ origem: o, columns: columns.map((c) => c.name), relation: `read_parquet('${fileOf(dir, o)}')` })),
  };
  return consolidationSql(spec, 'duckdb');
}

async function runDuckDb(dir: string): Promise<Record<string, number>> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const cpuAtStart = cpuMs();
  const started = performance.now();
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await conn.run(`COPY (${duckDbSql(dir)}) TO '${join(dir, 'gold-duckdb.parquet')}' (FORMAT parquet, COMPRESSION snappy)`);
  const done = performance.now();
  const cpu = cpuMs() - cpuAtStart;
  const check = (
    await conn.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM read_parquet('${join(dir, 'gold-duckdb.parquet')}')`)
  ).getRowObjectsJS();
  conn.closeSync();
  db.closeSync();
  return { rows_out: Number(check[0]!.n), wall_ms: done - started, cpu_ms: cpu, peak_rss_mb: peakRssMb() };
}

async function compareOutputs(dir: string): Promise<number> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const a = `read_parquet('${join(dir, 'gold-ts.parquet')}')`;
  const b = `read_parquet('${join(dir, 'gold-duckdb.parquet')}')`;
  const rows = (
    await conn.runAndReadAll(
      `SELECT ((SELECT count(*) FROM (SELECT * FROM ${a} EXCEPT ALL SELECT * FROM ${b})) + (SELECT count(*) FROM (SELECT * FROM ${b} EXCEPT ALL SELECT * FROM ${a})))::INTEGER AS d`,
    )
  ).getRowObjectsJS();
  conn.closeSync();
  db.closeSync();
  return Number(rows[0]!.d);
}

function child(mode: string, dir: string): Record<string, number> {
  const out = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), mode, dir], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (out.status !== 0) throw new Error(`${mode} run failed (exit ${out.status}): ${out.stderr}`);
  return JSON.parse(out.stdout.trim().split('\n').pop()!) as Record<string, number>;
}

const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  const [mode, dirArg] = process.argv.slice(2);
  if (mode === 'ts' || mode === 'duckdb') {
    console.log(JSON.stringify(mode === 'ts' ? await runTypeScript(dirArg!) : await runDuckDb(dirArg!)));
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'bench-consolidate-'));
  try {
    const perOrigin = Math.ceil(ROWS / ORIGINS.length);
    const generated = performance.now();
    for (let o = 0; o < ORIGINS.length; o++) {
      await writeFile(fileOf(dir, ORIGINS[o]!), writeColumns({ columns, data: originColumns(o, perOrigin), rowCount: perOrigin }));
    }
    console.log(
      `generated ${perOrigin * ORIGINS.length} rows in ${ORIGINS.length} origins (${columns.length} columns) in ${fmt(performance.now() - generated)}`,
    );
    const ts = child('ts', dir);
    const duck = child('duckdb', dir);
    const differences = await compareOutputs(dir);
    console.log(
      `TypeScript engine: ${ts.rows_in} -> ${ts.rows_out} rows, wall ${fmt(ts.wall_ms!)} (read ${fmt(ts.read_ms!)}, dedupe ${fmt(ts.dedupe_ms!)}, write ${fmt(ts.write_ms!)}), CPU ${fmt(ts.cpu_ms!)}, ${Math.round(ts.rows_in! / (ts.wall_ms! / 1000))} rows/s, peak RSS ${ts.peak_rss_mb} MB`,
    );
    console.log(
      `gold expectations (the demo's ${ts.expectations}: unique num_oper+cod_idef_ver_oper, regex cod_moed): ${fmt(ts.expectations_ms!)} over ${ts.rows_out} gold rows (${ts.expectations_failed_rows} failing), not in the wall time above`,
    );
    console.log(
      `DuckDB (generated SQL): ${duck.rows_out} rows, wall ${fmt(duck.wall_ms!)}, CPU ${fmt(duck.cpu_ms!)}, ${Math.round(ts.rows_in! / (duck.wall_ms! / 1000))} rows/s, peak RSS ${duck.peak_rss_mb} MB`,
    );
    console.log(
      `TypeScript vs DuckDB wall time ratio: ${(ts.wall_ms! / duck.wall_ms!).toFixed(2)}x (goal <= 4x), CPU time ratio ${(ts.cpu_ms! / duck.cpu_ms!).toFixed(2)}x; outputs ${differences === 0 ? 'identical' : `DIFFER in ${differences} rows`}`,
    );
    if (differences !== 0) process.exitCode = 1;
  } finally {
    // BENCH_KEEP=1 keeps the files for profiling one engine: node --cpu-prof --import tsx bench/consolidate.bench.ts ts <dir>
    if (process.env.BENCH_KEEP) console.log(`files kept in ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}

await main();
