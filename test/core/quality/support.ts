// The orders source the expectation tests check: one field of each type a rule applies to; and the rows of
// quality_results a day holds.
import type { ObjectStore } from '../../../lambdas/ports/object-store.js';
import { readParquet } from '../../support/parquet.js';
import { listKeys } from '../ingest/support.js';

export const ORDER_FIELDS = [
  { name: 'id', type: 'string', required: true },
  { name: 'status', type: 'string' },
  { name: 'amount', type: 'decimal', precision: 10, scale: 2 },
  { name: 'qty', type: 'integer' },
  { name: 'paid', type: 'boolean' },
  { name: 'meta', type: 'json' },
  { name: 'day', type: 'date' },
  { name: 'updated_at', type: 'timestamp', required: true },
];

/** The raw config of one orders files source with these expectations. */
export const ordersConfig = (expectations: unknown) => ({
  sources: [{ name: 'orders', kind: 'files', fields: ORDER_FIELDS, watermarkField: 'updated_at', expectations }],
});

/** The rows of db_silver.quality_results for a day, file by file (in key order), from the silver store. */
export async function qualityResultRows(silver: ObjectStore, day: string): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for (const key of await listKeys(silver, `_quality_results/anomesdia=${day}/`)) {
    const t = await readParquet(await silver.get(key));
    for (let i = 0; i < t.rowCount; i++) rows.push(Object.fromEntries(t.columns.map((c) => [c.name, t.data[c.name]![i]])));
  }
  return rows;
}
