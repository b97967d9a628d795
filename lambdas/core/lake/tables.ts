// Column layouts of the silver and gold tables, shared by the CDK (Glue tables), Refine and Consolidate.
import { findSource, type ConsolidationConfig, type FieldConfig, type PipelineConfig, type SourceConfig } from '../config.js';
import { typeName } from '../columnar/schema.js';
import { ConsolidationSchemaError } from '../consolidate/errors.js';
import type { TableColumn } from '../columnar/types.js';
import { EXTRA_FIELD } from '../refine/drift.js';

/** Lineage columns every silver row carries after its declared fields. */
const SILVER_LINEAGE_COLUMNS: TableColumn[] = [
  { name: '_content_hash', type: 'string' },
  { name: '_ingested_at', type: 'timestamp' },
  { name: '_run_id', type: 'string' },
];

/** The origin (silver table) a gold row won from. */
export const ORIGIN_COLUMN = 'origem';

export function fieldColumns(source: SourceConfig): TableColumn[] {
  return columnsOf(source.fields);
}

function columnsOf(fields: readonly FieldConfig[]): TableColumn[] {
  return fields.map((f) => ({
    name: f.name,
    // A json field is stored as its JSON text: a string column in Parquet, the catalog and SQL.
    type: f.type === 'json' ? 'string' : f.type,
    ...(f.type === 'decimal' ? { precision: f.precision, scale: f.scale ?? 0 } : {}),
  }));
}

/** The values a silver row holds before its lineage: the declared fields, and `_extra` when the source keeps undeclared keys. */
export function silverFields(source: SourceConfig): readonly FieldConfig[] {
  return source.keepExtra ? [...source.fields, EXTRA_FIELD] : source.fields;
}

/** Silver table of a source: silverFields' columns, then lineage columns; partitioned by anomesdia. */
export function silverColumns(source: SourceConfig): TableColumn[] {
  return [...columnsOf(silverFields(source)), ...SILVER_LINEAGE_COLUMNS];
}

/**
 * Gold table of a consolidation: the union of the origins' declared fields in order of first
 * appearance, then `origem`. A column declared with different types by two origins is an error.
 */
export function goldColumns(config: PipelineConfig, consolidation: ConsolidationConfig): TableColumn[] {
  const columns = new Map<string, { column: TableColumn; origin: string }>();
  for (const origin of consolidation.origens) {
    for (const column of fieldColumns(findSource(config, origin))) {
      const seen = columns.get(column.name);
      if (!seen) columns.set(column.name, { column, origin });
      else if (typeName(seen.column) !== typeName(column))
        throw new ConsolidationSchemaError(
          origin,
          column.name,
          typeName(seen.column),
          typeName(column),
          `origin "${seen.origin}"`,
          `${consolidation.database}.${consolidation.tabela_consolidada}`,
        );
    }
  }
  return [...[...columns.values()].map((c) => c.column), { name: ORIGIN_COLUMN, type: 'string' }];
}
