// Shared pieces of the ingestion tests: a temp-folder bronze store, configs pointing at a local API,
// deterministic records, and a reader of what bronze has committed (through its hash indexes).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { parsePipelineConfig, type PipelineConfig } from '../../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../../lambdas/core/default-config.js';
import { decodeHashIndex } from '../../../lambdas/core/ingest/hash-index.js';
import type { ObjectStore } from '../../../lambdas/ports/object-store.js';
import type { SecretProvider } from '../../../lambdas/ports/secrets.js';
import type { RunWindow } from '../../../lambdas/core/window.js';

export const TOKEN = 's3cr3t-token';
export const secrets: SecretProvider = {
  getSecret: async (name) => {
    if (name !== 'test/api-token') throw new Error(`unexpected secret ${name}`);
    return TOKEN;
  },
};

const DAY0 = Date.UTC(2024, 0, 19);

/** Record i: a day-spread operation, updated within 2024-01-19 .. 2024-01-20 (UTC). */
export function operation(i: number): Record<string, unknown> {
  return {
    num_oper: `OP-${i}`,
    cod_idef_ver_oper: i % 3,
    vlr_oper: ((i * 37) % 100000) / 100,
    updated_at: new Date(DAY0 + ((i * 140_000) % (2 * 86_400_000))).toISOString(),
  };
}

export const window: RunWindow = {
  mode: 'backfill',
  from: '2024-01-19T00:00:00.000Z',
  to: '2024-01-21T00:00:00.000Z',
  anomesdias: ['20240119', '20240120'],
};

export function httpConfig(
  endpoint: string,
  pagination: Record<string, unknown>,
  http: Record<string, unknown> = {},
  limits: Record<string, unknown> = {},
): PipelineConfig {
  return parsePipelineConfig({
    sources: [
      {
        name: 'ops',
        kind: 'http',
        http: { endpoint, pagination, recordsPath: 'data', authSecretName: 'test/api-token', ...http },
        fields: OPERATION_FIELDS,
        watermarkField: 'updated_at',
      },
    ],
    limits: { retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 3_000 }, httpTimeoutMs: 2_000, bronzeRecordsPerFile: 400, ...limits },
  });
}

/** Every committed bronze line of a source (all partitions), in index then part order. */
export async function committedBronze(
  store: ObjectStore,
  source: string,
): Promise<{ anomesdia: string; part: string; line: { _content_hash: string; _ingested_at: string; record: Record<string, unknown> } }[]> {
  const out: Awaited<ReturnType<typeof committedBronze>> = [];
  for await (const o of store.list(`source=${source}/`)) {
    if (!o.key.includes('/_hashes/') || !o.key.endsWith('.bin')) continue;
    const { header } = decodeHashIndex(await store.get(o.key), o.key);
    for (const part of header.parts) {
      const text = gunzipSync(await store.get(part)).toString('utf8');
      for (const l of text.split('\n')) if (l) out.push({ anomesdia: header.anomesdia, part, line: JSON.parse(l) });
    }
  }
  return out;
}

export async function listKeys(store: ObjectStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of store.list(prefix)) keys.push(o.key);
  return keys;
}

/** A store whose first `move` to a key under `prefix` throws: the step dies between bronze and the move. */
export function crashOnFirstMove(store: ObjectStore, prefix: string): ObjectStore & { crashed: () => boolean } {
  let crashed = false;
  return {
    uri: (k) => store.uri(k),
    put: (k, b, o) => store.put(k, b, o),
    get: (k) => store.get(k),
    head: (k) => store.head(k),
    list: (p) => store.list(p),
    delete: (k) => store.delete(k),
    move: async (from, to) => {
      if (!crashed && to.startsWith(prefix)) {
        crashed = true;
        throw new Error(`simulated crash before moving ${from}`);
      }
      return store.move(from, to);
    },
    crashed: () => crashed,
  };
}

/** Four of the demo's operation fields, all required: the keys, the amount (decimal(18,2)) and the watermark. */
const OPERATION_FIELDS = demoSource('sor').fields.filter((f) =>
  ['num_oper', 'cod_idef_ver_oper', 'vlr_oper', 'updated_at'].includes(f.name),
);

function demoSource(name: string) {
  return defaultPipelineConfig.sources.find((s) => s.name === name)!;
}

/** Only the demo's file-drop source (animais, NDJSON under pending/animais/). */
export function filesConfig(): PipelineConfig {
  return parsePipelineConfig({ sources: [demoSource('animais')] });
}

export const animal = (id: number, day = 19) => ({
  id_animal: `A${id}`,
  especie: id % 2 ? 'bovino' : 'suino',
  peso_kg: 100 + id / 4,
  dat_registro: `2024-01-${day}T0${id % 10}:00:00Z`,
});

/** A ProcessingLogger that keeps its warnings (message and attributes) for assertions. */
export function recordingLog(): {
  info: () => void;
  error: () => void;
  warn: (m: string, a?: Record<string, unknown>) => void;
  warnings: Record<string, unknown>[];
} {
  const warnings: Record<string, unknown>[] = [];
  return {
    info: () => undefined,
    error: () => undefined,
    warn: (message, attributes) => void warnings.push({ message, ...attributes }),
    warnings,
  };
}

export interface JsonServer {
  url: string;
  /** Requests answered so far. */
  requests(): number;
  stop(): Promise<void>;
}

/** A server on 127.0.0.1 answering every request with what `answer` returns for its URL (a body, JSON-encoded unless a string). */
export async function startJsonServer(
  answer: (url: URL, n: number) => { status?: number; body: unknown; headers?: Record<string, string> },
): Promise<JsonServer> {
  let count = 0;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const { status = 200, body, headers = {} } = answer(url, count++);
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/records`,
    requests: () => count,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive connections of the client would hold close() for seconds.
        server.closeAllConnections();
      }),
  };
}
