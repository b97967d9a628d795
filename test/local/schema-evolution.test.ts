// A config's schema changes between local runs, as `npm start -- --config` and `npm run query -- --config` see them:
// compatible changes update the local catalog and keep old partitions readable; an incompatible one stops the run before it starts.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { SchemaChangesRejectedError } from '../../lambdas/core/lake/errors.js';
import { queryCommand } from '../../local/query.js';
import { startCommand } from '../../local/run.js';
import { runsCommand } from '../../local/runs.js';
import { filesSource } from '../support/configs.js';
import { changed, V1, V1_TO_V2, V2, writeEvolutionConfig as writeConfig, type Field } from '../support/evolution-config.js';

const dir = mkdtempSync(join(tmpdir(), 'medallion-evolution-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function drop(dataDir: string, name: string, records: Record<string, unknown>[], source = 'readings'): void {
  const pending = join(dataDir, 'lake', 'bronze', 'pending', source);
  mkdirSync(pending, { recursive: true });
  writeFileSync(join(pending, name), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

describe('schema changes between local runs', () => {
  const dataDir = join(dir, 'lake-data');
  const config = join(dir, 'meters.json');

  it('adds, widens, removes and renames columns: the catalog follows, old partitions read the new columns as null or widened', async () => {
    writeConfig(config, V1);
    drop(dataDir, 'day1.ndjson', [
      { meter_id: 'm-1', read_at: '2024-03-14T10:00:00Z', qty: 3, kwh: 12, total: '10.25', status: 'ok', note: 'first' },
    ]);
    const first = await startCommand({ config, 'data-dir': dataDir, from: '2024-03-14' });
    expect([first.report.outcome, first.report.error]).toEqual(['completed', undefined]);

    writeConfig(config, V2);
    drop(dataDir, 'day2.ndjson', [
      { meter_id: 'm-2', read_at: '2024-03-15T10:00:00Z', qty: 2 ** 40, kwh: 1.5, total: '12.3456', state: 'late', channel: 'radio' },
    ]);
    const second = await startCommand({ config, 'data-dir': dataDir, from: '2024-03-15' });
    expect([second.report.outcome, second.report.error]).toEqual(['completed', undefined]);
    expect(second.report.notices).toEqual([
      `Local catalog table db_silver.readings: ${V1_TO_V2}`,
      `Local catalog table energy.latest: ${V1_TO_V2}`,
    ]);
    expect(second.summary).toContain(`Local catalog table energy.latest: ${V1_TO_V2}`);

    const catalog = JSON.parse(readFileSync(join(dataDir, 'catalog.json'), 'utf8')) as {
      tables: Record<string, { table: { columns: { name: string; type: string }[] }; partitions: Record<string, string> }>;
    };
    const silver = catalog.tables['db_silver.readings']!;
    expect(silver.table.columns.map((c) => `${c.name} ${c.type}`).slice(0, 7)).toEqual([
      'meter_id string',
      'read_at timestamp',
      'qty long',
      'kwh double',
      'total decimal',
      'state string',
      'channel string',
    ]);
    expect(Object.keys(silver.partitions)).toEqual(['anomesdia=20240314', 'anomesdia=20240315']);

    for (const table of ['db_silver.readings', 'energy.latest']) {
      const rows = await queryCommand(
        { config, 'data-dir': dataDir },
        `SELECT meter_id, qty, kwh, total, state, channel, typeof(qty) AS t_qty, typeof(kwh) AS t_kwh, typeof(total) AS t_total,
           CAST(anomesdia AS VARCHAR) AS day FROM ${table} ORDER BY meter_id`,
      );
      const types = { t_qty: 'BIGINT', t_kwh: 'DOUBLE', t_total: 'DECIMAL(14,4)' };
      expect(rows, table).toEqual([
        { meter_id: 'm-1', qty: 3, kwh: 12, total: '10.2500', state: null, channel: null, ...types, day: '20240314' },
        { meter_id: 'm-2', qty: 2 ** 40, kwh: 1.5, total: '12.3456', state: 'late', channel: 'radio', ...types, day: '20240315' },
      ]);
    }
    // The removed columns are gone from the table, though the old files still hold them.
    await expect(queryCommand({ config, 'data-dir': dataDir }, 'SELECT note FROM db_silver.readings')).rejects.toThrow(/note/);

    // Run again with the same config: nothing more to say.
    drop(dataDir, 'day2b.ndjson', [{ meter_id: 'm-3', read_at: '2024-03-15T11:00:00Z' }]);
    const third = await startCommand({ config, 'data-dir': dataDir, from: '2024-03-15', force: true });
    expect(third.report.notices).toEqual([]);
  }, 120_000);

  it('npm run query with a changed config updates the catalog as npm start would, and prints the same notice', async () => {
    const queryDir = join(dir, 'query-first');
    const queryConfig = join(dir, 'meters-query.json');
    writeConfig(queryConfig, V1);
    drop(queryDir, 'day1.ndjson', [{ meter_id: 'm-1', read_at: '2024-03-14T10:00:00Z', qty: 3, kwh: 12, total: '10.25', status: 'ok' }]);
    expect((await startCommand({ config: queryConfig, 'data-dir': queryDir, from: '2024-03-14' })).report.outcome).toBe('completed');
    writeConfig(queryConfig, V2);
    const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const rows = await queryCommand({ config: queryConfig, 'data-dir': queryDir }, 'SELECT meter_id, channel FROM db_silver.readings');
      expect(rows).toEqual([{ meter_id: 'm-1', channel: null }]);
      expect(printed.mock.calls.map((c) => c[0])).toEqual([
        `Local catalog table db_silver.readings: ${V1_TO_V2}`,
        `Local catalog table energy.latest: ${V1_TO_V2}`,
      ]);
    } finally {
      printed.mockRestore();
    }
  }, 60_000);

  it('refuses a narrowing before the run starts, naming each column, and leaves the catalog as it was', async () => {
    const before = readFileSync(join(dataDir, 'catalog.json'), 'utf8');
    writeConfig(config, changed(V2, { qty: { type: 'integer' }, total: { scale: 2 } }));
    const run = startCommand({ config, 'data-dir': dataDir, from: '2024-03-16' });
    await expect(run).rejects.toBeInstanceOf(SchemaChangesRejectedError);
    const error = (await run.catch((err: unknown) => err)) as SchemaChangesRejectedError;
    expect(error.changes.map((c) => `${c.table} ${c.column} ${c.from} -> ${c.to}`)).toEqual([
      'db_silver.readings qty long -> integer',
      'db_silver.readings total decimal(14,4) -> decimal(14,2)',
      'energy.latest qty long -> integer',
      'energy.latest total decimal(14,4) -> decimal(14,2)',
    ]);
    expect(error.message).toContain(`against the local catalog ${join(dataDir, 'catalog.json')}; nothing was changed`);
    expect(error.message).toContain('run with another --data-dir');
    expect(readFileSync(join(dataDir, 'catalog.json'), 'utf8')).toBe(before);
    // Nothing ran: no journey for the day.
    expect(await runsCommand({ config, 'data-dir': dataDir })).not.toContain('2024-03-16T00:00:00.000Z ..');
  }, 60_000);

  it('consolidates an old silver day that lacks an added column as null, and names the day to re-refine for a widened one', async () => {
    const twoSources = join(dir, 'two.json');
    const twoDir = join(dir, 'two-data');
    const fields = (extra: Field[] = [], kwh = 'long'): Field[] => [
      { name: 'meter_id', type: 'string', required: true },
      { name: 'read_at', type: 'timestamp', required: true },
      { name: 'kwh', type: kwh },
      ...extra,
    ];
    const write = (a: Field[], b: Field[] = fields()) =>
      writeFileSync(
        twoSources,
        JSON.stringify({
          stage: 'dev',
          sources: ['a', 'b'].map((name) => filesSource(name, name === 'a' ? a : b, 'read_at')),
          consolidations: [
            {
              database: 'energy',
              tabela_consolidada: 'both',
              origens: ['a', 'b'],
              chaves_principais: ['meter_id'],
              campos_decisao: ['read_at'],
            },
          ],
        }),
      );
    const dropInto = (source: string, name: string, records: Record<string, unknown>[]) => drop(twoDir, name, records, source);
    write(fields());
    dropInto('a', 'a1.ndjson', [{ meter_id: 'm-a', read_at: '2024-03-14T10:00:00Z', kwh: 1 }]);
    dropInto('b', 'b1.ndjson', [{ meter_id: 'm-b', read_at: '2024-03-14T10:00:00Z', kwh: 2 }]);
    expect((await startCommand({ config: twoSources, 'data-dir': twoDir, from: '2024-03-14' })).report.error).toBeUndefined();

    // a gains a field; only b is rerun, so the consolidation reads a's silver day as it was written.
    write(fields([{ name: 'channel', type: 'string' }]));
    dropInto('b', 'b2.ndjson', [{ meter_id: 'm-b2', read_at: '2024-03-14T11:00:00Z', kwh: 3 }]);
    const added = await startCommand({ config: twoSources, 'data-dir': twoDir, from: '2024-03-14', sources: 'b', force: true });
    expect([added.report.outcome, added.report.error]).toEqual(['completed', undefined]);
    expect(
      await queryCommand({ config: twoSources, 'data-dir': twoDir }, 'SELECT meter_id, channel, origem FROM energy.both ORDER BY meter_id'),
    ).toEqual([
      { meter_id: 'm-a', channel: null, origem: 'a' },
      { meter_id: 'm-b', channel: null, origem: 'b' },
      { meter_id: 'm-b2', channel: null, origem: 'b' },
    ]);

    // kwh widened in both: b is refined again as double, but a's old silver day holds a long, which the consolidation does not read as a double.
    write(fields([{ name: 'channel', type: 'string' }], 'double'), fields([], 'double'));
    const widened = await startCommand({ config: twoSources, 'data-dir': twoDir, from: '2024-03-14', sources: 'b', force: true });
    expect(widened.report.outcome).toBe('failed');
    expect(widened.report.error).toMatch(/column "kwh" is long, but source "a" declares it double.*rerun the window of source "a"/);
  }, 120_000);
});
