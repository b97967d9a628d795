// What one consolidation needs to know, independent of where it runs (TypeScript engine or SQL).
import type { DecisionField } from '../config.js';

/** The rules of one consolidation (seed 000's field names). */
export interface ConsolidationRules {
  /** Key columns: one output row per distinct key. */
  chaves_principais: string[];
  /** Ordered decision fields; the row with the greatest tuple (per field direction) wins. */
  campos_decisao: DecisionField[];
  /** Origins in priority order: on a full tie of the decision tuple the earlier origin wins. */
  origens: string[];
}
