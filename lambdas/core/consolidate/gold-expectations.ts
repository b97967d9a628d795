// A gold partition's data-quality expectations (the consolidation's `expectations`), checked on the rows about to
// be published, by either engine's output: the Lambda's table, or the Glue run's files read back (only the
// columns the expectations name). Results go where silver's go (quality/results.ts); a fail throws.
import { PARTITION_COLUMN, type ConsolidationConfig } from '../config.js';
import type { FlatTable } from '../columnar/types.js';
import { goldTable } from '../lake/layout.js';
import { tablePartition } from '../lake/publication.js';
import {
  compileExpectations,
  expectationFields,
  flatTableRows,
  goldExpectations,
  type DroppedRow,
  type ExpectationResult,
  type PartitionRows,
} from '../quality/expectations.js';
import { checkPartition } from '../quality/results.js';
import type { ConsolidateTableDeps } from './types.js';

export interface GoldCheck {
  results: ExpectationResult[];
  /** Per table checked, the rows a drop expectation takes out, each with the first expectation it broke. */
  dropped: Map<number, DroppedRow>[];
  /** Rows dropped over all the tables. */
  droppedRows: number;
}

/** The gold columns a consolidation's expectations read: what a Glue run's output is decoded for. */
export function goldExpectationColumns(consolidation: ConsolidationConfig): string[] {
  return [...new Set(consolidation.expectations.flatMap(expectationFields))];
}

/**
 * The consolidation's expectations over the partition's rows, held in one or more tables (a Glue run's files,
 * in key order): undefined when it declares none. `resultsId` names its quality_results file, so that a retried
 * Glue publication writes the same one again rather than a second.
 */
export async function checkGoldPartition(
  deps: ConsolidateTableDeps,
  consolidation: ConsolidationConfig,
  request: { runId: string; anomesdia: string },
  tables: readonly FlatTable[],
  resultsId?: string,
): Promise<GoldCheck | undefined> {
  const checked = goldExpectations(deps.config, consolidation);
  const compiled = compileExpectations(checked, deps.config.schedules.businessTimezone);
  if (!compiled) return undefined;
  // The tables' rows numbered one after another: row r of table t is offsets[t] + r.
  const offsets: number[] = [];
  let total = 0;
  for (const t of tables) {
    offsets.push(total);
    total += t.rowCount;
  }
  const tableOf = new Uint32Array(total);
  tables.forEach((t, i) => tableOf.fill(i, offsets[i], offsets[i]! + t.rowCount));
  const each = tables.map((t) => flatTableRows(t, checked.fields));
  const rows: PartitionRows = {
    sortKey(j) {
      const reads = each.map((r) => r.sortKey(j));
      return (row) => reads[tableOf[row]!]!(row - offsets[tableOf[row]!]!);
    },
  };
  const order = new Uint32Array(total);
  for (let r = 0; r < total; r++) order[r] = r;
  const gold = goldTable(deps.config, consolidation);
  const quality = await checkPartition(
    deps,
    compiled,
    {
      table: { layer: 'gold', name: checked.name },
      step: 'consolidate',
      runId: request.runId,
      anomesdia: request.anomesdia,
      previousDayPartition: (day) => tablePartition('gold', gold, { [PARTITION_COLUMN]: day }).partition,
      ...(resultsId !== undefined ? { resultsId } : {}),
    },
    rows,
    order,
  );
  const dropped = tables.map(() => new Map<number, DroppedRow>());
  for (const [row, why] of quality.dropped) dropped[tableOf[row]!]!.set(row - offsets[tableOf[row]!]!, why);
  return { results: quality.results, dropped, droppedRows: quality.dropped.size };
}
