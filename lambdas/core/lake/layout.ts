// Where silver and gold data live in their buckets, and the catalog tables that describe them. The CDK
// (Glue tables), Refine, Consolidate and the local catalog all build locations from these functions.
import {
  declaresExpectations,
  PARTITION_COLUMN,
  physicalName,
  type AggregateConfig,
  type ConsolidationConfig,
  type PipelineConfig,
  type SourceConfig,
} from '../config.js';
import { aggregateColumns } from '../gold/aggregates.js';
import { goldColumns, silverColumns } from './tables.js';
import type { TableColumn } from '../columnar/types.js';

/** A catalog table as the pipeline declares it: name, key prefix in its bucket, columns, `anomesdia` partitions. */
export interface LakeTable {
  layer: 'silver' | 'gold';
  /** The physical database name (with the stage's name prefix, when there is one). */
  database: string;
  name: string;
  /** Key prefix of the table in its bucket, ending in `/`, e.g. `sor/` or `db_batch/tbl_x/`. */
  prefix: string;
  columns: TableColumn[];
  partitionKeys: [typeof PARTITION_COLUMN];
}

export const silverLayout = {
  /** The silver table of a source: `<source>/`. */
  tablePrefix: (source: string) => `${source}/`,
  partitionPrefix: (source: string, anomesdia: string) => `${source}/${PARTITION_COLUMN}=${anomesdia}/`,
  /** Each Refine writes a partition as a new version, a folder of its own under its run's (lambdas/core/lake/publication.ts). */
  versionPrefix: (source: string, anomesdia: string, runId: string, versionId: string) =>
    `${source}/${PARTITION_COLUMN}=${anomesdia}/run=${runId}/v=${versionId}/`,
  /** Invalid rows with their reasons, one NDJSON object per partition version. */
  quarantine: (source: string, anomesdia: string, runId: string, versionId: string) =>
    `_quarantine/${source}/${PARTITION_COLUMN}=${anomesdia}/run=${runId}/v=${versionId}.ndjson`,
  quarantinePartitionPrefix: (source: string, anomesdia: string) => `_quarantine/${source}/${PARTITION_COLUMN}=${anomesdia}/`,
  quarantinePrefix: (source: string) => `_quarantine/${source}/`,
  /** The quality_results table: one Parquet file a checked silver or gold partition, never replaced. */
  qualityResultsPrefix: '_quality_results/',
  qualityResultsPartitionPrefix: (anomesdia: string) => `_quality_results/${PARTITION_COLUMN}=${anomesdia}/`,
  qualityResults: (anomesdia: string, source: string, runId: string, versionId: string) =>
    `_quality_results/${PARTITION_COLUMN}=${anomesdia}/${source}.${runId}.${versionId}.parquet`,
};

export const goldLayout = {
  /** The gold table of a consolidation: `<database>/<tabela_consolidada>/` (seed 000's layout). */
  tablePrefix: (database: string, table: string) => `${database}/${table}/`,
  partitionPrefix: (database: string, table: string, anomesdia: string) => `${database}/${table}/${PARTITION_COLUMN}=${anomesdia}/`,
  /** Each consolidation writes a partition as a new version, a folder of its own under its run's. */
  versionPrefix: (database: string, table: string, anomesdia: string, runId: string, versionId: string) =>
    `${database}/${table}/${PARTITION_COLUMN}=${anomesdia}/run=${runId}/v=${versionId}/`,
  /** Null-key rows left out of a partition version, with their reasons. */
  quarantinePartitionPrefix: (database: string, table: string, anomesdia: string) =>
    `_quarantine/${database}/${table}/${PARTITION_COLUMN}=${anomesdia}/`,
  /** Full congregado samples that do not fit in the DynamoDB item. */
  congregadoSample: (id: string, version: number) => `_congregado/${id}/v${version}.json`,
};

export function silverTable(config: PipelineConfig, source: SourceConfig): LakeTable {
  return {
    layer: 'silver',
    database: physicalName(config, config.storage.silverDatabase),
    name: source.name,
    prefix: silverLayout.tablePrefix(source.name),
    columns: silverColumns(source),
    partitionKeys: [PARTITION_COLUMN],
  };
}

export function goldTable(config: PipelineConfig, consolidation: ConsolidationConfig): LakeTable {
  return {
    layer: 'gold',
    database: physicalName(config, consolidation.database),
    name: consolidation.tabela_consolidada,
    prefix: goldLayout.tablePrefix(consolidation.database, consolidation.tabela_consolidada),
    columns: goldColumns(config, consolidation),
    partitionKeys: [PARTITION_COLUMN],
  };
}

/** A daily aggregate of a gold table: `<database>/<table>/` in the gold bucket, beside the table it is computed from. */
export function aggregateTable(config: PipelineConfig, consolidation: ConsolidationConfig, aggregate: AggregateConfig): LakeTable {
  return {
    layer: 'gold',
    database: physicalName(config, consolidation.database),
    name: aggregate.table,
    prefix: goldLayout.tablePrefix(consolidation.database, aggregate.table),
    columns: aggregateColumns(config, consolidation, aggregate),
    partitionKeys: [PARTITION_COLUMN],
  };
}

/** The columns of `<silverDatabase>.quality_results`: a row per expectation per partition refine or consolidate checked. */
export const QUALITY_RESULTS_COLUMNS: TableColumn[] = [
  { name: 'source', type: 'string' },
  { name: 'expectation', type: 'string' },
  { name: 'rule', type: 'string' },
  { name: 'action', type: 'string' },
  { name: 'rows_checked', type: 'long' },
  { name: 'rows_failed', type: 'long' },
  { name: 'run_id', type: 'string' },
  { name: 'checked_at', type: 'timestamp' },
  /** silver (a source's partition, refine) or gold (a consolidation's, `source` its `database.tabela`); added last, so earlier files read it as null: silver. */
  { name: 'layer', type: 'string' },
];

/** `<silverDatabase>.quality_results`, when a source or a consolidation declares expectations. */
export function qualityResultsTable(config: PipelineConfig): LakeTable | undefined {
  if (!declaresExpectations(config)) return undefined;
  return {
    layer: 'silver',
    database: physicalName(config, config.storage.silverDatabase),
    name: 'quality_results',
    prefix: silverLayout.qualityResultsPrefix,
    columns: QUALITY_RESULTS_COLUMNS,
    partitionKeys: [PARTITION_COLUMN],
  };
}

/**
 * Every catalog table the config declares: a silver table per source (and quality_results when a source has
 * expectations), and a gold table per consolidation that writes to the catalog (one with `output_path` writes
 * only there and leaves the catalog alone), each followed by its aggregates.
 */
export function lakeTables(config: PipelineConfig): LakeTable[] {
  const quality = qualityResultsTable(config);
  return [
    ...config.sources.map((s) => silverTable(config, s)),
    ...(quality ? [quality] : []),
    ...config.consolidations
      .filter((c) => !c.output_path)
      .flatMap((c) => [goldTable(config, c), ...c.aggregates.map((a) => aggregateTable(config, c, a))]),
  ];
}
