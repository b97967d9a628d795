// The end-of-run summary a person reads: rows and duration per step, the congregado, a sample of gold.
import type { RunResult } from '../lambdas/steps/complete.js';
import type { CongregadoRecord, StepRecord } from '../lambdas/ports/state-stores.js';
import { describeDrift } from '../lambdas/core/refine/drift.js';
import { describeQuality, mergeQuality, type QualitySummary } from '../lambdas/core/quality/expectations.js';

export interface SummaryInput {
  outcome: 'completed' | 'already-completed' | 'failed';
  runId: string;
  window?: { from: string; to: string; anomesdias: string[] };
  result?: RunResult;
  steps: StepRecord[];
  congregados: CongregadoRecord[];
  sample?: { table: string; rows: Record<string, unknown>[]; total?: number };
  error?: string;
  /** Declared sources the run left out because they are disabled (`enabled: false`). */
  skipped?: string[];
  /** What the run did to recover from an earlier one that died. */
  notices?: string[];
  durationMs: number;
  dataDir: string;
  /** The --config file the run used, repeated in the query hint; absent for the demo. */
  configPath?: string;
}

export function formatSummary(s: SummaryInput): string {
  const out: string[] = [];
  const line = (text = '') => out.push(text);
  line();
  if (s.outcome === 'already-completed') {
    line(`Journey ${s.runId.slice(0, 12)}… is already complete: nothing ran. Use --force to run it again.`);
  } else if (s.outcome === 'failed') {
    line(`Pipeline FAILED (journey ${s.runId ? `${s.runId.slice(0, 12)}…` : 'not begun'}): ${s.error ?? 'unknown error'}`);
  } else {
    line(`Pipeline completed in ${seconds(s.durationMs)} (journey ${s.runId.slice(0, 12)}…)`);
  }
  if (s.window) line(`Window: ${s.window.from} .. ${s.window.to}  partitions: ${s.window.anomesdias.join(', ')}`);
  if (s.skipped?.length) line(`Skipped (enabled: false in the config): ${s.skipped.join(', ')}`);
  if (s.notices?.length) {
    line();
    line('Recovered from an earlier run that did not finish');
    for (const notice of s.notices) line(`  ${notice}`);
  }

  // The last record of each step; Consolidate runs once per gold partition, named in its message.
  const subject = (step: StepRecord) =>
    `${step.source ?? ''}${step.name === 'consolidate' && step.message?.startsWith('anomesdia ') ? ` ${step.message.slice('anomesdia '.length)}` : ''}${step.name === 'consolidate' && /^(gold tables|no gold tables)/.test(step.message ?? '') ? ' (gold tables)' : ''}`;
  const lastOfEach = new Map<string, StepRecord>();
  for (const step of s.steps) if (step.status !== 'STARTED') lastOfEach.set(`${step.name} ${subject(step)}`, step);
  if (lastOfEach.size > 0) {
    line();
    line('Steps (processing log)');
    out.push(
      table(
        ['step', 'source', 'layer', 'status', 'read', 'written', 'invalid', 'duration'],
        [...lastOfEach.values()].map((st) => [
          st.name,
          subject(st),
          st.layer ?? '',
          st.status,
          num(st.rows_read),
          num(st.rows_written),
          num(st.rows_invalid),
          st.duration_ms === undefined ? '' : seconds(st.duration_ms),
        ]),
      ),
    );
  }
  // Where the bad data went: quarantined rows (refine) and unreadable dropped files (ingest).
  const bad: string[] = [];
  for (const st of lastOfEach.values()) {
    const quarantined = (st.objects ?? []).filter((o) => o.includes('_quarantine/'));
    if (st.rows_invalid && quarantined.length > 0)
      bad.push(
        `  ${st.name} ${subject(st)}: ${num(st.rows_invalid)} row(s) quarantined, each with its reason, in ${quarantined.join(', ')}`,
      );
    for (const f of (st.objects ?? []).filter((o) => o.includes('/error/')))
      bad.push(`  ${st.name} ${subject(st)}: unreadable file moved to ${f} (why: ${f}.reason.txt)`);
  }
  if (bad.length > 0) {
    line();
    line('Bad data (kept, not lost)');
    out.push(...bad);
  }
  // Schema drift: records with keys the config does not declare, or without a declared field (per source's refine).
  const drifted = [...lastOfEach.values()].filter((st) => st.drift);
  if (drifted.length > 0) {
    line();
    line('Schema drift (records per field; see onDrift and keepExtra in the config)');
    for (const st of drifted) line(`  ${st.name} ${subject(st)}: ${num(st.drift!.records)} record(s) drifted: ${describeDrift(st.drift!)}`);
  }
  // The tables kept from gold after its partitions: current state and history (MERGE), aggregates.
  const kept = (s.result?.consolidations ?? []).filter((c) => c.gold_tables);
  if (kept.length > 0) {
    line();
    line('Gold tables (kept after each run; locally DuckDB tables, in AWS Iceberg tables kept by Athena MERGE)');
    for (const c of kept) {
      for (const t of c.gold_tables!.tables)
        line(
          `  ${t.kind === 'current' ? 'current state' : 'history      '} ${t.table}: ${num(t.rows)} row(s)${t.changed !== undefined ? `, ${num(t.changed)} changed by this run` : ''}${t.columns_added?.length ? `, columns added: ${t.columns_added.join(', ')}` : ''}`,
        );
      for (const a of c.gold_tables!.aggregates ?? [])
        line(`  aggregate     ${a.table}: ${num(a.rows_written)} row(s) in ${a.partitions} partition(s) refreshed`);
    }
    line(
      '  named queries: npm run query -- --named current-state-table | key-lookup --param <key>... | history-as-of --param <instant> --param <instant> | aggregate-<table>',
    );
  }
  // Data quality: each source's expectations on its silver partitions (see expectations in the config).
  // Gold: each consolidation's expectations on its partitions, one journey step a partition, summed.
  const checked = [...lastOfEach.values()].filter((st) => st.quality && st.name !== 'consolidate');
  const goldChecked = new Map<string, QualitySummary[]>();
  for (const st of s.steps)
    if (st.name === 'consolidate' && st.quality && st.source)
      goldChecked.set(st.source, [...(goldChecked.get(st.source) ?? []), st.quality]);
  if (checked.length > 0 || goldChecked.size > 0) {
    line();
    line('Data quality (expectations on silver and gold; see expectations in the config; npm run query -- --named quality-results)');
    for (const st of checked) line(`  ${st.name} ${subject(st)}: ${describeQuality(st.quality!)}`);
    for (const [table, summaries] of goldChecked)
      line(`  consolidate ${table}: ${describeQuality(mergeQuality(summaries)!)} over ${num(summaries.length)} partition(s)`);
  }
  for (const c of s.congregados) {
    line();
    line(
      `Congregado ${c.id} (version ${c.version}, saved by each partition consolidated; last: anomesdia ${String(c.metadata.anomesdia ?? '?')})`,
    );
    line(`  records in that partition ${c.record_count}  keys ${c.chaves_principais.join(', ')}  decision ${c.campos_decisao.join(', ')}`);
    line(`  origins ${c.origens.join(', ')}  processor ${c.processor_type}  updated ${c.updated_at}`);
    line(
      `  idempotency key ${c.idempotency_key.slice(0, 16)}…  sample rows kept ${c.sample_data.length}${c.sample_uri ? ` (full sample: ${c.sample_uri})` : ''}`,
    );
  }
  if (s.sample && s.sample.rows.length > 0) {
    line();
    line(`Gold sample: ${s.sample.table}${s.sample.total !== undefined ? ` (${s.sample.total} rows)` : ''} via DuckDB`);
    const columns = Object.keys(s.sample.rows[0]!);
    out.push(
      table(
        columns,
        s.sample.rows.map((r) => columns.map((c) => cell(r[c]))),
      ),
    );
  }
  line();
  const config = s.configPath === undefined ? '' : ` --config ${s.configPath}`;
  line(`Data in ${s.dataDir}  ·  query it: npm run query --${config} "SELECT * FROM ${s.sample?.table ?? 'db.table'} LIMIT 10"`);
  return out.join('\n');
}

/** Rows under a header, columns aligned, numbers to the right. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) => '  ' + r.map((c, i) => (/^[\d.,]+s?$/.test(c) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [fmt(header), '  ' + widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n');
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

const num = (n: number | undefined) => (n === undefined ? '' : n.toLocaleString('en-US'));
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
