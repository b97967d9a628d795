// Each config in examples/ run as `npm start -- --config <file>` would (the same entry, in process) against
// APIs this test serves on 127.0.0.1, then queried as `npm run query -- --config <file>` and listed as `npm run runs`.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPaginatedApi, type PaginatedApi } from '../../local/paginated-api.js';
import { queryCommand } from '../../local/query.js';
import { startCommand } from '../../local/run.js';
import { runsCommand } from '../../local/runs.js';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
const DAY = '2024-03-14';
let dir: string;
const apis: PaginatedApi[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'medallion-examples-'));
});
const tokenVariables: string[] = [];
afterAll(async () => {
  for (const api of apis) await api.stop();
  for (const variable of tokenVariables) delete process.env[variable];
  rmSync(dir, { recursive: true, force: true });
});

/** The example with each source's endpoint pointed at a test API, written where the test keeps its files. */
function exampleAt(name: string, endpoints: Record<string, string> = {}): string {
  const config = JSON.parse(readFileSync(join(EXAMPLES, name), 'utf8')) as {
    $schema: string;
    sources: { name: string; http?: { endpoint: string } }[];
  };
  for (const source of config.sources) if (source.http) source.http.endpoint = endpoints[source.name] ?? source.http.endpoint;
  // The copy lives elsewhere: its $schema is only for editors and must not matter.
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(config));
  return path;
}

/** Puts NDJSON files where a file-drop source of `dataDir` looks for them. */
function drop(dataDir: string, source: string, files: Record<string, Record<string, unknown>[]>): void {
  const pending = join(dataDir, 'lake', 'bronze', 'pending', source);
  mkdirSync(pending, { recursive: true });
  for (const [name, records] of Object.entries(files))
    writeFileSync(join(pending, name), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

/** A token the API wants, given to the run only through the environment variable its authSecretName names. */
function withToken(variable: string): string {
  const token = `t-${Math.random().toString(36).slice(2)}`;
  process.env[variable] = token;
  tokenVariables.push(variable);
  return token;
}

const at = (minute: number) => new Date(Date.parse(`${DAY}T00:00:00Z`) + minute * 60_000).toISOString();

describe('examples/http-api-nested.json', () => {
  // 150 order versions of 100 orders: orders 0-49 are updated again later in the day with another total.
  const record = (i: number) => {
    const n = i % 100;
    const second = i >= 100;
    return {
      id: `o-${String(n).padStart(3, '0')}`,
      customer: { id: `c-${n % 7}`, address: { country: n % 2 ? 'PT' : 'BR' } },
      items: [
        { sku: `sku-${n}`, qty: 1 },
        { sku: `extra-${n}`, qty: 2 },
      ],
      total: second ? `${n}.99` : `${n}.10`,
      updated_at: at(10 + i * 5),
    };
  };
  let dataDir: string;
  let config: string;

  beforeAll(async () => {
    const token = withToken('SHOP_API_TOKEN');
    const api = await startPaginatedApi({
      style: 'cursor',
      path: '/v1/orders',
      total: 150,
      record: (i) => {
        const { id, ...rest } = record(i);
        return { order_id: id, ...rest };
      },
      params: { cursor: 'cursor', pageSize: 'limit' },
      nextCursorPath: 'meta.next_cursor',
      recordsPath: 'orders',
      token,
      window: { field: 'updated_at' },
    });
    apis.push(api);
    config = exampleAt('http-api-nested.json', { orders: api.url });
    dataDir = join(dir, 'shop');
  });

  it('runs to a gold table under the prefixed database, reading nested fields and keeping items as JSON', async () => {
    const { report, summary } = await startCommand({ config, 'data-dir': dataDir, from: DAY });
    expect([report.outcome, report.error]).toEqual(['completed', undefined]);
    // Nothing of the demo: no demo data, and the sample is of this config's table.
    expect(report.dataset).toBeUndefined();
    expect(report.sample?.table).toBe('acme_shop.orders_current');
    expect(report.sample?.total).toBe(100);
    expect(summary).toContain(`npm run query -- --config ${config} "SELECT * FROM acme_shop.orders_current LIMIT 10"`);
    const refine = report.journey!.steps.filter((s) => s.name === 'refine' && s.status === 'SUCCEEDED').at(-1);
    expect([refine?.rows_read, refine?.rows_invalid]).toEqual([150, 0]);

    const rows = await queryCommand(
      { config, 'data-dir': dataDir },
      `SELECT order_id, customer_id, customer_country, first_sku, json_extract_string(items, '$[1].sku') AS second_sku,
              CAST(json_extract(items, '$[1].qty') AS INTEGER) AS second_qty, CAST(total AS VARCHAR) AS total
       FROM acme_shop.orders_current ORDER BY order_id`,
    );
    const expected = Array.from({ length: 100 }, (_, n) => {
      const r = record(n < 50 ? n + 100 : n);
      return {
        order_id: r.id,
        customer_id: r.customer.id,
        customer_country: r.customer.address.country,
        first_sku: `sku-${n}`,
        second_sku: `extra-${n}`,
        second_qty: 2,
        total: r.total,
      };
    });
    expect(rows).toEqual(expected);
  }, 120_000);

  it("answers the gold table's named query under its prefixed name, and lists the run", async () => {
    const rows = await queryCommand({ config, 'data-dir': dataDir, named: 'current-state' }, '');
    expect(rows).toHaveLength(100);
    const listing = await runsCommand({ config, 'data-dir': dataDir, limit: '5' });
    const lines = listing.split('\n');
    expect(lines[0]).toMatch(/^\s+run\s+job\s+status\s+window\s+started\s+duration\s+ingested\s+silver\s+invalid\s+error$/);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(/ COMPLETED {2}2024-03-14T00:00:00\.000Z \.\. 2024-03-15T00:00:00\.000Z .* 150 +150 +0 *$/);
  }, 60_000);
});

describe('examples/file-drop.json', () => {
  it('refines the files dropped under pending/readings/ and keeps the latest reading per meter', async () => {
    const dataDir = join(dir, 'energy');
    const readings = (hour: number) =>
      ['m-1', 'm-2', 'm-3'].map((meter, i) => ({
        meter_id: meter,
        read_at: `${DAY}T${String(hour).padStart(2, '0')}:00:00Z`,
        kwh: hour * 10 + i,
        estimated: hour % 2 === 0,
      }));
    drop(dataDir, 'readings', { 'part-1.ndjson': [...readings(1), ...readings(2)], 'part-2.ndjson': readings(3) });
    const config = exampleAt('file-drop.json');
    const { report } = await startCommand({ config, 'data-dir': dataDir, from: DAY });
    expect([report.outcome, report.error]).toEqual(['completed', undefined]);
    expect(report.sample?.table).toBe('energy.latest_reading');
    const rows = await queryCommand(
      { config, 'data-dir': dataDir },
      'SELECT meter_id, kwh, estimated, CAST(anomesdia AS VARCHAR) AS day FROM energy.latest_reading ORDER BY meter_id',
    );
    expect(rows).toEqual([
      { meter_id: 'm-1', kwh: 30, estimated: false, day: '20240314' },
      { meter_id: 'm-2', kwh: 31, estimated: false, day: '20240314' },
      { meter_id: 'm-3', kwh: 32, estimated: false, day: '20240314' },
    ]);
  }, 120_000);
});

describe('examples/two-sources-consolidation.json', () => {
  it('consolidates an API and a file drop: per customer the latest update wins, a tie goes to the first origin', async () => {
    const dataDir = join(dir, 'customers');
    const token = withToken('CRM_TOKEN');
    // CRM: customers 0-9 at minute 60; billing: 5-14, at minute 30 (older) for 5-7, 60 (a tie) for 8, 90 for 9-14.
    const crm = (i: number) => ({ customer_id: `k-${i}`, email: `crm${i}@x.example`, tier: 'crm', updated_at: at(60) });
    const billingMinute = (i: number) => (i <= 7 ? 30 : i === 8 ? 60 : 90);
    const api = await startPaginatedApi({
      style: 'page',
      path: '/api/customers',
      total: 10,
      record: crm,
      params: { page: 'page', pageSize: 'per_page' },
      recordsPath: 'data',
      token,
      window: { field: 'updated_at' },
    });
    apis.push(api);
    drop(dataDir, 'billing_customers', {
      'billing.ndjson': Array.from({ length: 10 }, (_, j) => ({
        customer_id: `k-${j + 5}`,
        email: `bill${j + 5}@x.example`,
        tier: 'billing',
        updated_at: at(billingMinute(j + 5)),
      })),
    });
    const config = exampleAt('two-sources-consolidation.json', { crm_customers: api.url });
    const { report } = await startCommand({ config, 'data-dir': dataDir, from: DAY });
    expect([report.outcome, report.error]).toEqual(['completed', undefined]);
    const rows = await queryCommand(
      { config, 'data-dir': dataDir },
      'SELECT customer_id, tier, origem FROM customers.customer_current ORDER BY CAST(substr(customer_id, 3) AS INTEGER)',
    );
    expect(rows.map((r) => `${String(r.customer_id)}:${String(r.tier)}:${String(r.origem)}`)).toEqual([
      ...Array.from({ length: 9 }, (_, i) => `k-${i}:crm:crm_customers`),
      ...Array.from({ length: 6 }, (_, j) => `k-${j + 9}:billing:billing_customers`),
    ]);
  }, 120_000);
});
