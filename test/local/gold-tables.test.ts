// `npm start` on the demo keeps the current-state and history tables and the daily aggregate, says so in its
// summary with the expectations' results, and `npm run query -- --named <name>` answers each named query.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultPipelineConfig } from '../../lambdas/core/default-config.js';
import { parsePipelineConfig } from '../../lambdas/core/config.js';
import { goldNamedQueries } from '../../lambdas/core/consolidate/gold-queries.js';
import { goldColumns } from '../../lambdas/core/lake/tables.js';
import { queryCommand } from '../../local/query.js';
import { startCommand } from '../../local/run.js';

const dir = mkdtempSync(join(tmpdir(), 'medallion-gold-tables-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CURRENT = 'db_batch.tbl_processado_operacao_consolidada_n1_current';
const HISTORY = 'db_batch.tbl_processado_operacao_consolidada_n1_history';
const GOLD = 'db_batch.tbl_processado_operacao_consolidada_n1';

describe('npm start keeps the gold tables', () => {
  it('shows them in the summary, answers every named query, and a forced rerun changes nothing', async () => {
    const dataDir = join(dir, 'data');
    const values = { 'data-dir': dataDir, operations: '120' };
    const { report, summary } = await startCommand(values);
    expect([report.outcome, report.error]).toEqual(['completed', undefined]);
    expect(summary).toContain('Gold tables (kept after each run');
    expect(summary).toMatch(new RegExp(`current state ${CURRENT}: \\d+ row\\(s\\), \\d+ changed by this run`));
    expect(summary).toMatch(new RegExp(`history +${HISTORY}: \\d+ row\\(s\\)`));
    expect(summary).toMatch(/aggregate +tbl_operacao_resumo_diario: \d+ row\(s\) in 2 partition\(s\) refreshed/);

    const q = (sql: string) => queryCommand({ 'data-dir': dataDir }, sql);
    const named = (name: string, param: string[] = []) => queryCommand({ 'data-dir': dataDir, named: name, param }, '');
    // The table kept by MERGE equals the current-state query over every gold partition.
    const table = await q(`SELECT * FROM ${CURRENT} ORDER BY num_oper, cod_idef_ver_oper`);
    expect(table.length).toBeGreaterThan(50);
    expect(await q(`SELECT * FROM (${(await namedSql('current-state')).replace(/;$/, '')}) ORDER BY num_oper, cod_idef_ver_oper`)).toEqual(
      table,
    );
    // Every named query runs; the key ones find the key they are given.
    const key = table[0]!;
    const byKey = [String(key.num_oper), String(key.cod_idef_ver_oper)];
    expect(await named('key-lookup', byKey)).toEqual([key]);
    const versions = await named('key-history', byKey);
    expect(versions.at(-1)).toMatchObject({ num_oper: key.num_oper, is_current: true, valid_to: null });
    const instant = new Date(Date.now() + 86_400_000).toISOString().slice(0, 19);
    expect((await named('history-as-of', [instant, instant])).length).toBe(table.length);
    expect((await named('current-state-table')).length).toBe(Math.min(100, table.length));
    const aggregate = await named('aggregate-tbl_operacao_resumo_diario');
    expect(aggregate.length).toBeGreaterThan(0);
    expect(Object.keys(aggregate[0]!)).toEqual(
      expect.arrayContaining(['des_stat_oper', 'cod_moed', 'operacoes', 'operacoes_distintas', 'valor_total', 'valor_medio']),
    );
    await expect(named('key-lookup', ['only one'])).rejects.toThrow(/takes 2 parameter\(s\), given 1/);
    // The demo's expectations on sor: counted (warn), in the summary and the quality table's named query.
    expect(summary).toMatch(
      /Data quality \(expectations on silver[^\n]*\n {2}refine sor: 1 of 2 expectation\(s\) failed: status_conhecido \(warn\) \d+ of \d+ row\(s\)/,
    );
    // And on the gold table, checked on each of its two partitions before publication: both held.
    expect(summary).toContain(`consolidate ${GOLD}: all 2 expectation(s) held over 2 partition(s)`);
    const quality = await named('quality-results');
    const of = (layer: string) => quality.filter((r) => r.layer === layer);
    expect(new Set(of('silver').map((r) => r.expectation))).toEqual(new Set(['status_conhecido', 'valor_nao_negativo']));
    expect(
      of('silver')
        .filter((r) => r.expectation === 'valor_nao_negativo')
        .every((r) => r.rows_failed === 0),
    ).toBe(true);
    expect(
      of('gold')
        .map((r) => [r.source, r.expectation, r.rows_failed])
        .sort(),
    ).toEqual(['moeda_iso', 'moeda_iso', 'uma_versao_por_operacao', 'uma_versao_por_operacao'].map((e) => [GOLD, e, 0]).sort());

    // Everything again over the same data: the MERGEs find nothing to change.
    const again = await startCommand({ ...values, force: true });
    expect(again.report.outcome).toBe('completed');
    expect(again.summary).toMatch(new RegExp(`current state ${CURRENT}: ${table.length} row\\(s\\), 0 changed by this run`));
    expect(again.summary).toMatch(new RegExp(`history +${HISTORY}: \\d+ row\\(s\\), 0 changed by this run`));
    expect(await q(`SELECT * FROM ${CURRENT} ORDER BY num_oper, cod_idef_ver_oper`)).toEqual(table);
  }, 240_000);
});

async function namedSql(name: string): Promise<string> {
  const config = parsePipelineConfig(defaultPipelineConfig);
  const c = config.consolidations[0]!;
  return goldNamedQueries(c.database, c, goldColumns(config, c), 'duckdb').find((n) => n.name === name)!.sql;
}
