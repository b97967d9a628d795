// Gold tables: after a consolidation's partitions are published, keeps the tables computed from them (the
// current state and SCD2 history by MERGE, the daily aggregates), in one call per consolidation and run so
// that no two of the run's partitions MERGE into one Iceberg table at once.
import { z } from 'zod';
import { keepsGoldTables } from '../core/config.js';
import { ExecutionSchema, parseEvent } from './events.js';
import { declaredConsolidation } from './consolidate.js';
import { recorded } from './recorder.js';
import type { PipelineRuntime } from './runtime.js';
import type { GoldTablesSummary } from './types.js';

const GoldTablesEventSchema = z.object({
  step: z.literal('gold-tables'),
  runId: z.string(),
  execution: ExecutionSchema,
  consolidation: z.string(),
  /** The partitions this run published ("Gold partitions"). */
  anomesdias: z.array(z.string().regex(/^\d{8}$/, 'expected yyyymmdd')),
});

export async function goldTablesStep(event: unknown, rt: PipelineRuntime): Promise<GoldTablesSummary> {
  const e = parseEvent('Gold tables', GoldTablesEventSchema, event);
  const target = declaredConsolidation(rt, 'Gold tables', e.consolidation);
  // Nothing to keep: no journey step either, so a consolidation without these tables reads as before.
  if (!keepsGoldTables(target) || e.anomesdias.length === 0) return { tables: [] };
  return recorded(
    rt.journeys,
    e,
    { name: 'consolidate', source: e.consolidation },
    () => rt.refreshGoldTables({ runId: e.runId, consolidation: target, anomesdias: e.anomesdias }),
    (s) => ({ message: describeGoldTables(s) }),
  );
}

/** One line for the journey: each table with its rows. */
export function describeGoldTables(s: GoldTablesSummary): string {
  const parts = [
    ...s.tables.map((t) => `${t.kind} ${t.table}: ${t.rows} row(s)${t.changed !== undefined ? `, ${t.changed} changed` : ''}`),
    ...(s.aggregates ?? []).map((a) => `aggregate ${a.table}: ${a.partitions} partition(s), ${a.rows_written} row(s)`),
  ];
  return parts.length > 0 ? `gold tables: ${parts.join('; ')}` : 'no gold tables to keep';
}
