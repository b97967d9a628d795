// What one consolidation needs to know, independent of where it runs (TypeScript engine or SQL), and its errors.
import type { DecisionField } from '../config.js';
import type { TableColumn } from '../parquet.js';

/** The rules of one consolidation (seed 000's field names). */
export interface ConsolidationRules {
  /** Key columns: one output row per distinct key. */
  chaves_principais: string[];
  /** Ordered decision fields; the row with the greatest tuple (per field direction) wins. */
  campos_decisao: DecisionField[];
  /** Origins in priority order: on a full tie of the decision tuple the earlier origin wins. */
  origens: string[];
}

/** Two origins (or an origin and the gold table) give one column different types. */
export class ConsolidationSchemaError extends Error {
  constructor(readonly origem: string, readonly column: string, readonly expectedType: string, readonly actualType: string, readonly expectedFrom: string) {
    super(
      `Origin "${origem}" has column "${column}" as ${actualType}, but ${expectedFrom} has it as ${expectedType}; ` +
        'declare one type for the column in every origin (or cast it in Refine)',
    );
    this.name = 'ConsolidationSchemaError';
  }
}

/** An input the rules cannot apply to: an unknown origin, or a key or decision column absent from every origin. */
export class ConsolidationInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConsolidationInputError';
  }
}

/** The Glue/Hive type name used to compare column types across origins. */
export function columnTypeName(column: TableColumn): string {
  return column.type === 'decimal' ? `decimal(${column.precision ?? 18},${column.scale ?? 0})` : column.type;
}
