// What each step function may read, write and delete in the lake's buckets and state tables, derived from the
// layout modules (silverLayout, goldLayout, bronzeKeys, fileDropKeys) so that the keys the code builds and the
// prefixes the policies name come from one place. Pure data: lake-grants.ts turns it into IAM statements.
import type { PipelineConfig } from '../../lambdas/core/config.js';
import { bronzeKeys, fileDropKeys } from '../../lambdas/core/ingest/bronze-layout.js';
import { goldLayout, silverLayout } from '../../lambdas/core/lake/layout.js';
import type { StepName } from '../../lambdas/steps/index.js';
import { JOURNEY_RESULTS_PREFIX } from '../../lambdas/steps/runtime.js';

/** What a step does with the objects under a prefix; `read` and `delete` also let it list the prefix. */
export type ObjectAccess = 'read' | 'write' | 'delete';

/** Objects under `prefix` (ending in `/`; `*` stands for any one key segment, as IAM reads it). */
export interface PrefixAccess {
  readonly prefix: string;
  readonly access: readonly ObjectAccess[];
}

/** The prefixes a step works on in each lake bucket; a bucket it never touches is absent. */
export interface StepLakeAccess {
  readonly bronze?: readonly PrefixAccess[];
  readonly silver?: readonly PrefixAccess[];
  readonly gold?: readonly PrefixAccess[];
}

/** A layout segment that varies with the data (anomesdia, congregado id), as an IAM wildcard. */
const ANY = '*';

/** The folder of a key the layout builds: everything up to its last `/`. */
function folderOf(key: string): string {
  return key.slice(0, key.lastIndexOf('/') + 1);
}

/**
 * Ingest writes each source's bronze partitions, hash indexes and manifests (reading the indexes and manifests
 * back for dedupe and attempts); a file source also reads its pending files, moves them to done/ or error/
 * (a copy, then a delete of the pending copy) and looks for a free name there first, and removes its own reason
 * file from error/ when another execution moved the same file there first.
 */
function ingestAccess(config: PipelineConfig): StepLakeAccess {
  return {
    bronze: config.sources.flatMap((s): PrefixAccess[] => [
      { prefix: bronzeKeys.partitionPrefix(s.name, ANY), access: ['read', 'write'] },
      { prefix: bronzeKeys.manifestPrefix(s.name), access: ['read', 'write'] },
      ...(s.kind === 'files'
        ? ([
            { prefix: fileDropKeys.pending(s.name), access: ['read', 'delete'] },
            { prefix: folderOf(fileDropKeys.done(s.name, '')), access: ['read', 'write'] },
            { prefix: folderOf(fileDropKeys.error(s.name, '')), access: ['read', 'write', 'delete'] },
          ] satisfies PrefixAccess[])
        : []),
    ]),
  };
}

/**
 * Refine reads committed bronze and never changes it; it writes silver partition versions and their quarantine,
 * and publishing removes superseded versions and unpublished leftovers there.
 */
function refineAccess(config: PipelineConfig): StepLakeAccess {
  return {
    bronze: config.sources.map((s) => ({ prefix: bronzeKeys.partitionPrefix(s.name, ANY), access: ['read'] })),
    silver: config.sources
      .flatMap((s): PrefixAccess[] => [
        { prefix: silverLayout.tablePrefix(s.name), access: ['write', 'delete'] },
        { prefix: silverLayout.quarantinePartitionPrefix(s.name, ANY), access: ['write', 'delete'] },
      ])
      .concat(
        // The quality_results table only grows: a file a checked partition.
        config.sources.some((s) => s.expectations.length > 0) ? [{ prefix: silverLayout.qualityResultsPrefix, access: ['write'] }] : [],
      ),
  };
}

/**
 * Consolidate reads its origins' silver tables, writes gold partition versions and their null-key rows (publishing
 * removes superseded versions and unpublished leftovers in both), writes congregado samples (reading one back to
 * repair it), and, with the Glue job, writes run specs and reads the run records beside them.
 */
function consolidateAccess(config: PipelineConfig, glueSpecPrefix: string | undefined): StepLakeAccess {
  const origins = [...new Set(config.consolidations.flatMap((c) => c.origens))];
  if (config.consolidations.length === 0) return {};
  return {
    silver: [
      ...origins.map((o): PrefixAccess => ({ prefix: silverLayout.tablePrefix(o), access: ['read'] })),
      // A gold partition's expectations add their results to quality_results, which only grows.
      ...(config.consolidations.some((c) => c.expectations.length > 0)
        ? [{ prefix: silverLayout.qualityResultsPrefix, access: ['write'] } satisfies PrefixAccess]
        : []),
    ],
    gold: [
      ...config.consolidations
        .filter((c) => !c.output_path)
        .map((c): PrefixAccess => ({
          prefix: goldLayout.tablePrefix(c.database, c.tabela_consolidada),
          access: ['read', 'write', 'delete'],
        })),
      ...config.consolidations.map((c): PrefixAccess => ({
        prefix: goldLayout.quarantinePartitionPrefix(c.database, c.tabela_consolidada, ANY),
        access: ['write', 'delete'],
      })),
      { prefix: folderOf(goldLayout.congregadoSample(ANY, 1)), access: ['read', 'write'] },
      ...(glueSpecPrefix ? [{ prefix: glueSpecPrefix, access: ['read', 'write'] } satisfies PrefixAccess] : []),
    ],
  };
}

/** Each step's lake prefixes; plan and fail touch no bucket, complete only to keep a result too big for its journey. */
export function stepLakeAccess(
  config: PipelineConfig,
  options: { readonly glueSpecPrefix?: string } = {},
): Record<StepName, StepLakeAccess> {
  return {
    plan: {},
    ingest: ingestAccess(config),
    refine: refineAccess(config),
    consolidate: consolidateAccess(config, options.glueSpecPrefix),
    // Gold tables' bucket rights depend on the workgroup's results bucket too: PipelineFunctionsConstruct grants them.
    goldTables: {},
    complete: { gold: [{ prefix: JOURNEY_RESULTS_PREFIX, access: ['write'] }] },
    fail: {},
  };
}

/** A DynamoDB item action a state store sends (lambdas/adapters/aws/dynamodb-*-store.ts). */
export type ItemAction = 'GetItem' | 'PutItem' | 'UpdateItem';

/** The state tables a step uses, with exactly the actions it sends to each. */
export interface StepStateAccess {
  readonly journey?: readonly ItemAction[];
  readonly watermark?: readonly ItemAction[];
  readonly congregado?: readonly ItemAction[];
  readonly partitions?: readonly ItemAction[];
}

/**
 * From the calls the steps make: plan reads each watermark and begins the journey (JourneyController.begin:
 * get, conditional put, or a lease renewal by update). Every later journey write is a conditional update by
 * the holder (renew, recordStep, complete, fail), followed by a get when it did not apply, to tell a lost lease
 * from a missing journey. Refine and consolidate publish partition versions (get, conditional put);
 * consolidate also reads its origins' silver versions and saves the congregado (get, conditional put);
 * gold tables reads gold partitions' versions and publishes the aggregates' (get, conditional put);
 * complete advances the watermarks (conditional update, then a get when it did not move).
 */
export const STEP_STATE_ACCESS: Record<StepName, StepStateAccess> = {
  plan: { journey: ['GetItem', 'PutItem', 'UpdateItem'], watermark: ['GetItem'] },
  ingest: { journey: ['GetItem', 'UpdateItem'] },
  refine: { journey: ['GetItem', 'UpdateItem'], partitions: ['GetItem', 'PutItem'] },
  consolidate: { journey: ['GetItem', 'UpdateItem'], congregado: ['GetItem', 'PutItem'], partitions: ['GetItem', 'PutItem'] },
  goldTables: { journey: ['GetItem', 'UpdateItem'], partitions: ['GetItem', 'PutItem'] },
  complete: { journey: ['GetItem', 'UpdateItem'], watermark: ['GetItem', 'UpdateItem'] },
  fail: { journey: ['GetItem', 'UpdateItem'] },
};

/** A consolidation's `output_path` (s3://bucket/prefix/) outside the lake: the bucket and the key prefix. */
export interface OutputLocation {
  readonly consolidation: string;
  readonly bucketName: string;
  readonly prefix: string;
}

export function outputLocations(config: PipelineConfig): OutputLocation[] {
  return config.consolidations.flatMap((c) => {
    if (!c.output_path) return [];
    const [, bucketName, prefix] = /^s3:\/\/([^/]+)\/(.*)$/.exec(c.output_path)!;
    return [{ consolidation: `${c.database}-${c.tabela_consolidada}`, bucketName: bucketName!, prefix: prefix! }];
  });
}
