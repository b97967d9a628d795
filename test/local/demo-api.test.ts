import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../lambdas/core/default-config.js';
import { startDemoApi, type DemoApi } from '../../local/demo-api.js';
import { demoDataset } from '../../local/demo-data.js';

const config = parsePipelineConfig(defaultPipelineConfig);
const dataset = demoDataset({ day: '2024-03-14', timezone: 'UTC', operations: 300 });
const window = 'updated_since=2024-03-14T00:00:00.000Z&updated_until=2024-03-15T00:00:00.000Z';
let api: DemoApi;

beforeAll(async () => {
  api = await startDemoApi(config, dataset, { faults: true });
});
afterAll(() => api.stop());

const get = (path: string, auth = true) =>
  fetch(`${api.baseUrl}${path}`, { headers: auth ? { authorization: `Bearer ${api.token}` } : {} });

/** Follows a source's pagination to the end, retrying the injected faults once. */
async function fetchAll(
  first: string,
  next: (body: any, url: string) => string | undefined,
  records: (body: any) => any[],
): Promise<any[]> {
  const out: any[] = [];
  let url: string | undefined = first;
  while (url) {
    let res = await get(url);
    if (res.status === 429 || res.status === 500) res = await get(url);
    const body = await res.json();
    out.push(...records(body));
    url = next(body, url);
  }
  return out;
}

describe('demo API', () => {
  it('refuses a request without the bearer token', async () => {
    expect((await get(`/sor/operacoes?${window}`, false)).status).toBe(401);
  });

  it('serves every record of a day through each pagination style, with one fault on the way', async () => {
    const sor = await fetchAll(
      `/sor/operacoes?${window}&page=1&page_size=100`,
      (b, u) => (b.data.length === 100 ? u.replace(/page=(\d+)/, (_, n) => `page=${Number(n) + 1}`) : undefined),
      (b) => b.data,
    );
    const sot = await fetchAll(
      `/sot/operacoes?${window}&limit=100`,
      (b) => (b.next_cursor ? `/sot/operacoes?${window}&limit=100&cursor=${b.next_cursor}` : undefined),
      (b) => b.items,
    );
    const clientes = await fetchAll(
      `/clientes?${window}&offset=0&limit=100`,
      (b, u) => {
        const offset = Number(/offset=(\d+)/.exec(u)![1]) + 100;
        return offset < b.total ? u.replace(/offset=\d+/, `offset=${offset}`) : undefined;
      },
      (b) => b.results,
    );
    const cotacoes = await fetchAll(
      `/cotacoes?${window}`,
      (b) => b.links.next ?? undefined,
      (b) => b.data,
    );
    expect(sor).toHaveLength(dataset.http.sor.length);
    expect(sot).toHaveLength(dataset.http.sot.length);
    expect(clientes).toHaveLength(dataset.http.clientes.length);
    expect(cotacoes).toHaveLength(dataset.http.cotacoes.length);
  });

  it('filters by the window on the watermark field', async () => {
    const res = await get('/cotacoes?updated_since=2024-03-14T00:00:00.000Z&updated_until=2024-03-14T01:00:00.000Z');
    const body: any = await res.json();
    // The three currencies quoted at 00:00, and nothing after the window's end.
    expect(body.data.filter((r: any) => r.dat_cotacao < '2024-03-14T01:00:00.000Z').length).toBeGreaterThanOrEqual(3);
    expect(body.data.every((r: any) => r.dat_cotacao < '2024-03-14T01:00:00.000Z')).toBe(true);
  });
});
