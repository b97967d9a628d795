// Where the lake's tables live: every catalog table lakeTables declares, a consolidation's aggregates beside its gold table.
import { describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../../lambdas/core/default-config.js';
import { aggregateTable, goldLayout, lakeTables } from '../../../lambdas/core/lake/layout.js';
import { opsAggregatesConfig } from '../../support/aggregate-config.js';

const tableNames = (raw: unknown) => lakeTables(parsePipelineConfig(raw)).map((t) => `${t.layer} ${t.database}.${t.name} ${t.prefix}`);
const COUNT = { measures: [{ name: 'ops', fn: 'count' }] };

describe('lake tables', () => {
  it('declares each aggregate as a gold table after its consolidation, under <database>/<table>/ in the gold bucket', () => {
    expect(
      tableNames(
        opsAggregatesConfig([
          { table: 'tbl_ops_daily', ...COUNT },
          { table: 'tbl_ops_total', ...COUNT },
        ]),
      ),
    ).toEqual([
      'silver db_silver.a a/',
      'silver db_silver.b b/',
      'gold db_gold.tbl_ops db_gold/tbl_ops/',
      'gold db_gold.tbl_ops_daily db_gold/tbl_ops_daily/',
      'gold db_gold.tbl_ops_total db_gold/tbl_ops_total/',
    ]);
    expect(tableNames(defaultPipelineConfig).filter((t) => t.startsWith('gold'))).toEqual([
      'gold db_batch.tbl_processado_operacao_consolidada_n1 db_batch/tbl_processado_operacao_consolidada_n1/',
      'gold db_batch.tbl_operacao_resumo_diario db_batch/tbl_operacao_resumo_diario/',
    ]);
  });

  it('puts an aggregate in the prefixed database, with its own columns and anomesdia partitions', () => {
    const config = parsePipelineConfig({ ...opsAggregatesConfig([{ table: 'tbl_ops_total', ...COUNT }]), storage: { namePrefix: 'acme' } });
    const consolidation = config.consolidations[0]!;
    expect(aggregateTable(config, consolidation, consolidation.aggregates[0]!)).toEqual({
      layer: 'gold',
      database: 'acme_db_gold',
      name: 'tbl_ops_total',
      prefix: goldLayout.tablePrefix('db_gold', 'tbl_ops_total'),
      columns: [{ name: 'ops', type: 'long' }],
      partitionKeys: ['anomesdia'],
    });
  });
});
