// The raw config of the aggregate tests: origins a (with a JSON payload) and b, consolidated into db_gold.tbl_ops by id.
import { filesSource } from './configs.js';

/** The fields both origins declare: every field type an aggregate groups by, measures or filters on. */
export const OPS_FIELDS = [
  { name: 'id', type: 'string', required: true },
  { name: 'ts', type: 'timestamp', required: true },
  { name: 'status', type: 'string' },
  { name: 'moeda', type: 'string' },
  { name: 'valor', type: 'decimal', precision: 18, scale: 2 },
  { name: 'qtd', type: 'integer' },
  { name: 'taxa', type: 'double' },
  { name: 'cliente', type: 'long' },
  { name: 'dia', type: 'date' },
  { name: 'ativo', type: 'boolean' },
];

/** The raw config with these aggregates on db_gold.tbl_ops; `consolidation` overrides its other keys. */
export function opsAggregatesConfig(aggregates: unknown[], consolidation: Record<string, unknown> = {}) {
  return {
    sources: [filesSource('a', [...OPS_FIELDS, { name: 'payload', type: 'json' }], 'ts'), filesSource('b', OPS_FIELDS, 'ts')],
    consolidations: [
      {
        database: 'db_gold',
        tabela_consolidada: 'tbl_ops',
        origens: ['a', 'b'],
        chaves_principais: ['id'],
        campos_decisao: ['ts'],
        engine: 'lambda',
        aggregates,
        ...consolidation,
      },
    ],
  };
}
