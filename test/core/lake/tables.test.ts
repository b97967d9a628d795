import { describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../../lambdas/core/default-config.js';
import { goldColumns, silverColumns } from '../../../lambdas/core/lake/tables.js';
import { glueType } from '../../../lambdas/core/columnar/schema.js';

describe('table schemas', () => {
  const config = parsePipelineConfig(defaultPipelineConfig);

  it('gives gold the union of the origins fields then origem', () => {
    const names = goldColumns(config, config.consolidations[0]!).map((c) => c.name);
    expect(names.slice(0, 3)).toEqual(['num_oper', 'cod_idef_ver_oper', 'dat_vlr_even_oper']);
    expect(names.at(-1)).toBe('origem');
    expect(new Set(names).size).toBe(names.length);
  });

  it('names both origins and both types when origins disagree on a column type', () => {
    const raw = structuredClone(defaultPipelineConfig) as any;
    raw.sources[1].fields = raw.sources[1].fields.map((f: any) => (f.name === 'cod_moed' ? { ...f, type: 'integer' } : f));
    const bad = parsePipelineConfig(raw);
    expect(() => goldColumns(bad, bad.consolidations[0]!)).toThrow(
      'Consolidation db_batch.tbl_processado_operacao_consolidada_n1: Origin "sot" has column "cod_moed" as integer, but origin "sor" has it as string',
    );
  });

  it('appends lineage columns to silver and maps types to Glue names', () => {
    const sor = config.sources[0]!;
    expect(
      silverColumns(sor)
        .map((c) => c.name)
        .slice(-3),
    ).toEqual(['_content_hash', '_ingested_at', '_run_id']);
    expect(glueType({ type: 'decimal', precision: 18, scale: 2 })).toBe('decimal(18,2)');
    expect(glueType({ type: 'long' })).toBe('bigint');
  });
});
