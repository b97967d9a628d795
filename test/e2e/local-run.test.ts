import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessDate } from '../../lambdas/core/plan.js';
import type { DemoDataset, DemoRecord } from '../../local/demo-data.js';
import { runLocal, type LocalRunReport } from '../../local/local-run.js';

const NOW = new Date('2024-03-15T02:00:00Z');
const TABLE = 'db_batch.tbl_processado_operacao_consolidada_n1';
let dataDir: string;
let first: LocalRunReport;

/** The gold rows a correct pipeline must produce, computed here from the demo API's records alone. */
function expectedGold(dataset: DemoDataset, timezone: string): string[] {
  const invalid = new Set([...(dataset.invalid.sor ?? []), ...(dataset.invalid.sot ?? [])].map((i) => i.record));
  const winners = new Map<string, DemoRecord>();
  // null never beats a value; each demo key has one greatest tuple, so origin tie-breaks do not matter.
  const tuple = (r: DemoRecord) => [
    Date.parse(r.dat_vlr_even_oper as string),
    (r.num_prio_even_oper as number | null) ?? -Infinity,
    Date.parse(r.dat_recm_even_oper as string),
  ];
  const greater = (a: number[], b: number[]) => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
    return false;
  };
  for (const r of [...dataset.http.sor, ...dataset.http.sot]) {
    if (invalid.has(r)) continue;
    const key = `${r.num_oper}|${r.cod_idef_ver_oper}`;
    const current = winners.get(key);
    if (!current || greater(tuple(r), tuple(current))) winners.set(key, r);
  }
  return [...winners.values()]
    .map((r) =>
      goldLine({
        ...r,
        dat_vlr_even_oper: Date.parse(r.dat_vlr_even_oper as string),
        dat_recm_even_oper: Date.parse(r.dat_recm_even_oper as string),
        anomesdia: businessDate(new Date(r.dat_vlr_even_oper as string), timezone).replaceAll('-', ''),
      }),
    )
    .sort();
}

function goldLine(r: Record<string, unknown>): string {
  const n = (v: unknown) => (v === null || v === undefined ? 'null' : String(Number(v)));
  return [
    r.num_oper,
    n(r.cod_idef_ver_oper),
    n(r.dat_vlr_even_oper),
    n(r.num_prio_even_oper),
    n(r.dat_recm_even_oper),
    Number(r.vlr_oper).toFixed(2),
    r.des_stat_oper,
    r.anomesdia,
  ].join('|');
}

async function goldRows(report: LocalRunReport): Promise<string[]> {
  const { localQuery } = await import('../../local/query.js');
  const rows = await localQuery(
    report.dataDir,
    report.config,
    `
    SELECT num_oper, cod_idef_ver_oper,
           CAST(epoch_ms(dat_vlr_even_oper) AS DOUBLE) AS dat_vlr_even_oper, num_prio_even_oper,
           CAST(epoch_ms(dat_recm_even_oper) AS DOUBLE) AS dat_recm_even_oper,
           CAST(vlr_oper AS DOUBLE) AS vlr_oper, des_stat_oper, CAST(anomesdia AS VARCHAR) AS anomesdia
    FROM ${TABLE}`,
  );
  return rows.map(goldLine).sort();
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'medallion-e2e-'));
  first = await runLocal({ dataDir, now: NOW, operations: 60, input: { mode: 'daily' } });
}, 120_000);

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('npm start, end to end on a small dataset', () => {
  it('completes the daily run of D-1 through the synthesized state machine', () => {
    expect(first.error).toBeUndefined();
    expect(first.outcome).toBe('completed');
    expect(first.journey?.status).toBe('COMPLETED');
    expect(first.journey?.params.window).toMatchObject({ from: '2024-03-14T00:00:00.000Z', to: '2024-03-15T00:00:00.000Z' });
  });

  it('writes to gold exactly one row per key: the one with the greatest decision tuple across sor and sot', async () => {
    const expected = expectedGold(first.dataset!, first.config.schedules.businessTimezone);
    expect(expected.length).toBeGreaterThan(50);
    expect(await goldRows(first)).toEqual(expected);
  });

  it('answers the current-state named query locally with the SQL Athena gets: here each key is in one partition, so gold itself', async () => {
    const { localQuery, namedQuerySql } = await import('../../local/query.js');
    const rows = await localQuery(first.dataDir, first.config, namedQuerySql(first.config, 'current-state'));
    const lines = rows.map((r) =>
      goldLine({
        ...r,
        dat_vlr_even_oper: (r.dat_vlr_even_oper as Date).getTime(),
        dat_recm_even_oper: (r.dat_recm_even_oper as Date).getTime(),
      }),
    );
    expect(lines.sort()).toEqual(expectedGold(first.dataset!, first.config.schedules.businessTimezone));
    expect(() => namedQuerySql(first.config, 'current-state', 'db_batch.nope')).toThrow(
      `No gold table "db_batch.nope" with --table (${TABLE})`,
    );
    expect(() => namedQuerySql(first.config, 'nope')).toThrow(
      'No named query "nope"; there are latest-partition-sample, rows-per-partition, duplicate-keys, current-state',
    );
  });

  it('quarantines the invalid rows and saves the congregado', () => {
    const refine = (first.journey?.steps ?? []).filter((s) => s.name === 'refine' && s.status === 'SUCCEEDED');
    const invalid = Object.fromEntries(refine.map((s) => [s.source, s.rows_invalid]));
    for (const [source, rows] of Object.entries(first.dataset!.invalid))
      expect(invalid[source], source).toBeGreaterThanOrEqual(rows.length);
    expect(first.congregados.map((c) => c.id)).toContain('db_batch_tbl_processado_operacao_consolidada_n1');
  });

  it('moves the cut-off upload to error/ with its reason, and the summary says where every piece of bad data went', async () => {
    const { formatSummary } = await import('../../local/summary.js');
    const name = Object.keys(first.dataset!.files).find((f) => typeof first.dataset!.files[f] === 'string')!;
    const errorFile = join(first.dataDir, 'lake', 'bronze', 'error', 'animais', name);
    expect(readFileSync(errorFile, 'utf8')).toBe(first.dataset!.files[name]);
    expect(readFileSync(`${errorFile}.reason.txt`, 'utf8')).toMatch(/^line 2 is not JSON/);
    expect(existsSync(join(first.dataDir, 'lake', 'bronze', 'pending', 'animais', name))).toBe(false);
    const summary = formatSummary({ ...first, steps: first.journey!.steps, window: first.journey!.params.window as never });
    expect(summary).toContain(`ingest animais: unreadable file moved to ${pathToFileURL(errorFile).href}`);
    expect(summary).toMatch(
      /refine sor: \d+ row\(s\) quarantined, each with its reason, in file:\/\/.*\/_quarantine\/sor\/anomesdia=20240314\/run=/,
    );
  });

  it('says the journey is already complete when run again, and reruns it with force to the same gold', async () => {
    const again = await runLocal({ dataDir, now: NOW, operations: 60, input: { mode: 'daily' } });
    expect(again.outcome).toBe('already-completed');
    expect(again.runId).toBe(first.runId);
    const forced = await runLocal({ dataDir, now: NOW, operations: 60, input: { mode: 'daily', force: true } });
    expect(forced.outcome).toBe('completed');
    expect(forced.journey?.retry_count).toBeGreaterThan(0);
    expect(await goldRows(forced)).toEqual(expectedGold(first.dataset!, first.config.schedules.businessTimezone));
  }, 120_000);
});
