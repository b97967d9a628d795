// The steps' runtime on a laptop: dynalite state stores, a file-system lake, a JSON catalog, DuckDB,
// and the same core functions the Lambdas run (lambdas/handlers/compose-runtime.ts).
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { documentClient } from '../lambdas/adapters/aws/dynamodb-client.js';
import { DynamoCongregadoStore } from '../lambdas/adapters/aws/dynamodb-congregado-store.js';
import { DynamoJourneyStore } from '../lambdas/adapters/aws/dynamodb-journey-store.js';
import { DynamoWatermarkStore } from '../lambdas/adapters/aws/dynamodb-watermark-store.js';
import { DynamoPartitionVersionStore } from '../lambdas/adapters/aws/dynamodb-partition-versions.js';
import { removeLeftoverTempFiles } from '../lambdas/adapters/local/atomic-file.js';
import { DuckDbGoldStateEngine } from '../lambdas/adapters/local/duckdb-gold-state.js';
import { DuckDbQueryEngine } from '../lambdas/adapters/local/duckdb-query-engine.js';
import { EnvSecretProvider, secretEnvName } from '../lambdas/adapters/local/env-secrets.js';
import { FsObjectStore } from '../lambdas/adapters/local/fs-object-store.js';
import { JsonCatalog } from '../lambdas/adapters/local/json-catalog.js';
import type { PipelineConfig } from '../lambdas/core/config.js';
import { fileDropKeys } from '../lambdas/core/ingest/bronze-layout.js';
import type { IngestProgress } from '../lambdas/core/ingest/progress.js';
import { SchemaChangesRejectedError } from '../lambdas/core/lake/errors.js';
import { lakeTables } from '../lambdas/core/lake/layout.js';
import { compareLakeSchemas, describeEvolution } from '../lambdas/core/lake/schema-evolution.js';
import { composeRuntime, congregadoItemBudget, journeyController, type PipelineRuntime } from '../lambdas/steps/runtime.js';
import type { ObjectStore } from '../lambdas/ports/object-store.js';
import type { QueryRow } from '../lambdas/ports/query-engine.js';
import type { CongregadoRecord, JourneyRecord } from '../lambdas/ports/state-stores.js';
import type { DemoRecord } from './demo-data.js';
import type { LocalDynamo } from './dynamo.js';
import { asLocalProcess, localProcessGone, thisProcess } from './local-process.js';

export interface LocalRuntimeOptions {
  config: PipelineConfig;
  dataDir: string;
  dynamo: LocalDynamo;
  /** The token the demo API expects, handed to the sources' auth secrets; absent, they come from the environment alone. */
  apiToken?: string;
  now: () => Date;
  progress?: IngestProgress;
  /** What the runtime did on its own to recover (a journey of a dead process taken over, leftovers removed). */
  onNotice?: (message: string) => void;
}

/** Temporary files younger than this may belong to a write under way (a process outside the data folder's lock). */
const TEMP_FILE_MIN_AGE_MS = 60_000;

export interface LocalRuntime extends PipelineRuntime {
  lake: { bronze: ObjectStore; silver: ObjectStore; gold: ObjectStore };
  /** Puts files where the file-drop sources look for them: `pending/<source>/` in bronze. */
  dropFiles(files: Record<string, DemoRecord[] | string>): Promise<void>;
  getJourney(runId: string): Promise<JourneyRecord | undefined>;
  latestJourney(): Promise<JourneyRecord | undefined>;
  congregados(): Promise<CongregadoRecord[]>;
  /** SQL over the lake's tables by their catalog names (DuckDB). */
  query(sql: string): Promise<QueryRow[]>;
  close(): Promise<void>;
}

/** The lake's folders, one per bucket, under the data folder. */
export function localLake(dataDir: string) {
  const root = join(dataDir, 'lake');
  return {
    bronze: new FsObjectStore(join(root, 'bronze')),
    silver: new FsObjectStore(join(root, 'silver')),
    gold: new FsObjectStore(join(root, 'gold')),
  };
}

/**
 * The local catalog file, with every table the config declares (the CDK declares them in AWS). A table whose
 * columns the config changed follows it when the change is compatible (columns added, widened or removed:
 * one notice per table says what changed); an incompatible change throws SchemaChangesRejectedError and
 * changes nothing. Old partitions stay as they were written: the DuckDB views read them as the new columns.
 */
export async function localCatalog(
  dataDir: string,
  config: PipelineConfig,
  lake: ReturnType<typeof localLake>,
  onNotice?: (message: string) => void,
): Promise<JsonCatalog> {
  const catalog = new JsonCatalog(join(dataDir, 'catalog.json'));
  const declared = lakeTables(config).map((t) => ({
    database: t.database,
    name: t.name,
    location: lake[t.layer].uri(t.prefix),
    columns: t.columns,
    partitionKeys: t.partitionKeys,
  }));
  const evolutions = compareLakeSchemas(await catalog.tables(), declared);
  const incompatible = evolutions.flatMap((e) => e.incompatible);
  if (incompatible.length > 0)
    throw new SchemaChangesRejectedError(
      incompatible,
      `the local catalog ${catalog.filePath}`,
      'To start these tables afresh on purpose, run with another --data-dir (or delete this one): the local lake is rebuilt from the sources.',
    );
  const changed = new Set(evolutions.map((e) => e.table));
  for (const table of declared) {
    if (changed.has(`${table.database}.${table.name}`)) await catalog.putTable(table);
    else await catalog.ensureTable(table);
  }
  for (const evolution of evolutions) onNotice?.(`Local catalog ${describeEvolution(evolution)}`);
  return catalog;
}

/**
 * Deletes the temporary files of writes killed mid-way, older than a minute: in the lake, and the catalog's
 * beside catalog.json. Done once as the runtime starts, under the data folder's lock, rather than on every
 * put or list: readers already skip them, so they only take space, and a sweep at start finds all of them.
 */
async function removeLeftovers(dataDir: string, lake: ReturnType<typeof localLake>, onNotice?: (message: string) => void): Promise<void> {
  const removed = await removeLeftoverTempFiles(dataDir, TEMP_FILE_MIN_AGE_MS, { recursive: false });
  for (const store of Object.values(lake))
    for (const key of await store.removeLeftoverTempFiles(TEMP_FILE_MIN_AGE_MS)) removed.push(join(store.root, key));
  const shown = removed.map((path) => relative(dataDir, path));
  if (removed.length > 0)
    onNotice?.(
      `Removed ${shown.length} temporary file(s) that interrupted writes left: ${shown.slice(0, 5).join(', ')}${shown.length > 5 ? ', ...' : ''}`,
    );
}

/** DuckDB over the local catalog: file:// locations become paths. */
/** A catalog location (a file: URI) as a local path. */
const localPath = (location: string) => (location.startsWith('file:') ? fileURLToPath(location) : location);

export function openLocalQueryEngine(catalog: JsonCatalog): Promise<DuckDbQueryEngine> {
  return DuckDbQueryEngine.open({ catalog, resolve: localPath });
}

export async function localRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const { config, dataDir, dynamo } = options;
  const lake = localLake(dataDir);
  await removeLeftovers(dataDir, lake, options.onNotice);
  const catalog = await localCatalog(dataDir, config, lake, options.onNotice);
  const doc = documentClient(dynamo.client);
  const journeyStore = new DynamoJourneyStore(doc, dynamo.tables.journey);
  // Each journey records the process that began it; one whose process died is taken over at once, not after its lease.
  const journeys = journeyController(journeyStore, config, lake.gold, {
    ownerProcess: thisProcess(),
    ownerGone: (journey) => {
      const owner = asLocalProcess(journey.metadata?.owner_process);
      const gone = owner && localProcessGone(owner);
      if (gone)
        options.onNotice?.(`Journey ${journey.idempotency_key} was left IN_PROGRESS, and its owner, ${gone}: it was taken over at once`);
      return gone;
    },
  });
  const congregados = new DynamoCongregadoStore(doc, dynamo.tables.congregado, {
    sampleStore: lake.gold,
    maxItemBytes: congregadoItemBudget(config),
  });
  // Each HTTP source's token reaches it as the environment variable named after its secret.
  const env: Record<string, string> = {};
  if (options.apiToken !== undefined)
    for (const s of config.sources) if (s.http?.authSecretName) env[secretEnvName(s.http.authSecretName)] = options.apiToken;
  const runtime = composeRuntime({
    config,
    lake,
    catalog,
    secrets: new EnvSecretProvider({ ...process.env, ...env }),
    journeys,
    watermarks: new DynamoWatermarkStore(doc, dynamo.tables.watermark),
    versions: new DynamoPartitionVersionStore(doc, dynamo.tables.partitions),
    congregados,
    // No engine here writes Iceberg: the state tables are DuckDB tables, published as Parquet the query engine reads.
    goldState: new DuckDbGoldStateEngine({ catalog, resolve: localPath }),
    progress: options.progress,
    now: options.now,
  });
  let engine: DuckDbQueryEngine | undefined;
  return {
    ...runtime,
    lake,
    async dropFiles(files) {
      const dropSources = config.sources.filter((s) => s.kind === 'files').map((s) => s.name);
      for (const [name, records] of Object.entries(files)) {
        // Demo files are named `<source>-<day>-<part>.ndjson`; one naming no file source goes to the first.
        const source = dropSources.find((s) => name.startsWith(`${s}-`)) ?? dropSources[0];
        if (!source) continue;
        const text = typeof records === 'string' ? records : records.map((r) => JSON.stringify(r)).join('\n') + '\n';
        await lake.bronze.put(`${fileDropKeys.pending(source)}${name}`, text);
      }
    },
    getJourney: (runId) => journeys.get(runId),
    latestJourney: () => journeyStore.latest(),
    congregados: () => congregados.list(),
    async query(sql) {
      engine ??= await openLocalQueryEngine(catalog);
      return engine.query(sql);
    },
    async close() {
      await engine?.close();
    },
  };
}
