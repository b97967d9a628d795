// A one-source config before and after a schema change, for the schema evolution tests (synth and local runs).
import { writeFileSync } from 'node:fs';
import { filesSource } from './configs.js';

export type Field = { name: string; type: string; precision?: number; scale?: number; required?: boolean };

export const V1: Field[] = [
  { name: 'meter_id', type: 'string', required: true },
  { name: 'read_at', type: 'timestamp', required: true },
  { name: 'qty', type: 'integer' },
  { name: 'kwh', type: 'long' },
  { name: 'total', type: 'decimal', precision: 10, scale: 2 },
  { name: 'status', type: 'string' },
  { name: 'note', type: 'string' },
];

/**
 * V1 changed compatibly. Added: channel. Widened: qty integer -> long, kwh long -> double, total
 * decimal(10,2) -> decimal(14,4). Removed: note. Renamed (removed + added): status -> state.
 */
export const V2: Field[] = [
  ...V1.filter((f) => f.name !== 'note').map((f) =>
    f.name === 'qty'
      ? { ...f, type: 'long' }
      : f.name === 'kwh'
        ? { ...f, type: 'double' }
        : f.name === 'total'
          ? { ...f, precision: 14, scale: 4 }
          : f.name === 'status'
            ? { ...f, name: 'state' }
            : f,
  ),
  { name: 'channel', type: 'string' },
];

/** What V1 -> V2 does to each of its tables, as the notices and the lock say it. */
export const V1_TO_V2 =
  'added state, channel; widened qty integer -> long, kwh long -> double, total decimal(10,2) -> decimal(14,4); removed status, note';

/** `fields` with some of them changed: `{ qty: { type: 'integer' } }`. */
export function changed(fields: Field[], changes: Record<string, Partial<Field>>): Field[] {
  return fields.map((f) => ({ ...f, ...changes[f.name] }));
}

/** Writes a config of one file-drop source `readings` (silver db_silver.readings) and its gold table energy.latest. */
export function writeEvolutionConfig(path: string, fields: Field[], source: Record<string, unknown> = {}): string {
  writeFileSync(
    path,
    JSON.stringify({
      stage: 'dev',
      sources: [{ ...filesSource('readings', fields, 'read_at'), ...source }],
      consolidations: [
        {
          database: 'energy',
          tabela_consolidada: 'latest',
          origens: ['readings'],
          chaves_principais: ['meter_id'],
          campos_decisao: ['read_at'],
        },
      ],
    }),
  );
  return path;
}
