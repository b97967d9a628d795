// Static query parameters and headers, header secrets and window parameter formats, against the local paginated API.
import { describe, expect, it } from 'vitest';
import { startPaginatedApi, type PaginatedApi, type PaginatedApiOptions } from '../../../local/paginated-api.js';
import { ingestSource } from '../../../lambdas/core/ingest/ingest-source.js';
import { windowParamValues } from '../../../lambdas/core/ingest/pagination.js';
import type { FsObjectStore } from '../../../lambdas/adapters/local/fs-object-store.js';
import { PipelineConfigError, type PipelineConfig } from '../../../lambdas/core/config.js';
import type { SecretProvider } from '../../../lambdas/ports/secrets.js';
import { httpConfig, operation, secrets, window } from './support.js';
import { tempStoreEachTest } from '../../support/temp-store.js';

let store: FsObjectStore;
const apis = tempStoreEachTest((temp) => (store = temp.store));

async function api(options: Partial<PaginatedApiOptions> = {}): Promise<PaginatedApi> {
  const started = await startPaginatedApi({ style: 'page', total: 300, record: operation, ...options });
  apis.push(started);
  return started;
}

function run(config: PipelineConfig, secretProvider: SecretProvider = secrets) {
  return ingestSource({ config, bronze: store, secrets: secretProvider }, { runId: 'run-1', source: 'ops', window });
}

const params = (logged: string) => new URL(logged, 'http://x').searchParams;

describe('HTTP source query parameters and headers', () => {
  it('sends the static query parameters on every page, beside the window and page parameters', async () => {
    const a = await api({ token: 's3cr3t-token' });
    const result = await run(httpConfig(a.url, { style: 'page', pageSize: 100 }, { query: { region: 'south', 'api-version': '2' } }));
    expect(result.pages).toBe(3);
    expect(a.log).toHaveLength(a.requests());
    for (const logged of a.log) {
      expect(params(logged).get('region')).toBe('south');
      expect(params(logged).get('api-version')).toBe('2');
      expect(params(logged).get('updated_since')).toBe(window.from);
    }
  });

  it('sends a header read from a secret, so an API keyed by x-api-key answers (401 without it)', async () => {
    const a = await api({ token: 'k-123', authHeader: 'x-api-key', authScheme: '' });
    const keyed = httpConfig(
      a.url,
      { style: 'page', pageSize: 100 },
      { authSecretName: undefined, headers: { 'X-Api-Key': { secretName: 'test/api-key' }, 'X-Tenant': 'acme' } },
    );
    const read: string[] = [];
    const keys: SecretProvider = { getSecret: async (name) => (read.push(name), name === 'test/api-key' ? 'k-123' : 'wrong') };
    expect((await run(keyed, keys)).records_seen).toBe(300);
    expect(read).toEqual(['test/api-key']);
    const wrong = httpConfig(a.url, { style: 'page' }, { authSecretName: undefined, headers: { 'X-Api-Key': 'k-999' } });
    await expect(run(wrong)).rejects.toThrow(/HTTP 401/);
  });

  it('puts a prefix before a secret header value, and the token still wins over a static Authorization header', async () => {
    const a = await api({ token: 's3cr3t-token' });
    const config = httpConfig(a.url, { style: 'page', pageSize: 100 }, { headers: { Authorization: 'Bearer stale' } });
    expect((await run(config)).records_seen).toBe(300);
    const b = await api({ token: 's3cr3t-token', authHeader: 'x-auth', authScheme: 'Token' });
    const prefixed = httpConfig(
      b.url,
      { style: 'page', pageSize: 100 },
      { authSecretName: undefined, headers: { 'x-auth': { secretName: 'test/api-token', prefix: 'Token ' } } },
    );
    expect((await run(prefixed)).records_seen).toBe(300);
  });

  it('refuses a query parameter the pipeline sets itself, and a secret header over plain http to another host', () => {
    expect(() => httpConfig('http://127.0.0.1:1/r', { style: 'page' }, { query: { page: '3', updated_since: 'x' } })).toThrow(
      PipelineConfigError,
    );
    const err = (() => {
      try {
        httpConfig('http://127.0.0.1:1/r', { style: 'page' }, { query: { page: '3' } });
      } catch (e) {
        return e as PipelineConfigError;
      }
    })();
    expect(err?.issues).toEqual([
      { path: 'sources[0].http.query.page', message: expect.stringContaining('window or pagination parameter') },
    ]);
    expect(() =>
      httpConfig('http://api.internal/r', { style: 'page' }, { authSecretName: undefined, headers: { 'x-key': { secretName: 'k' } } }),
    ).toThrow(/plain http:\/\/ but a header read from a secret/);
  });
});

describe('HTTP window parameter formats', () => {
  it.each([
    ['date', '2024-01-19', '2024-01-20'],
    ['epochSeconds', '1705622400', '1705795200'],
    ['epochMillis', '1705622400000', '1705795200000'],
    ['iso', '2024-01-19T00:00:00.000Z', '2024-01-21T00:00:00.000Z'],
  ] as const)('writes the window as %s on every page request', async (windowFormat, from, to) => {
    const a = await api({ token: 's3cr3t-token' });
    const result = await run(httpConfig(a.url, { style: 'page', pageSize: 100 }, { windowFormat }));
    expect(result.records_seen).toBe(300);
    for (const logged of a.log) {
      expect(params(logged).get('updated_since')).toBe(from);
      expect(params(logged).get('updated_until')).toBe(to);
    }
  });

  it('counts date bounds in the business timezone, the last day inclusive, and never reverses an empty window', () => {
    const hour = { from: '2024-01-19T02:00:00.000Z', to: '2024-01-19T04:00:00.000Z' };
    expect(windowParamValues(hour, 'date', 'UTC')).toEqual({ from: '2024-01-19', to: '2024-01-19' });
    // 02:00 UTC is still the 18th in Sao Paulo (UTC-3); the window's last instant, 03:59:59.999, is the 19th's 00:59.
    expect(windowParamValues(hour, 'date', 'America/Sao_Paulo')).toEqual({ from: '2024-01-18', to: '2024-01-19' });
    const empty = { from: hour.from, to: hour.from };
    expect(windowParamValues(empty, 'date', 'UTC')).toEqual({ from: '2024-01-19', to: '2024-01-19' });
    expect(windowParamValues(hour, 'epochSeconds', 'UTC')).toEqual({ from: '1705629600', to: '1705636800' });
  });
});
