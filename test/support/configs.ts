// Small configs the tests build, and the PipelineConfigError a config is refused with (each issue's path and message).
import { expect } from 'vitest';
import { parsePipelineConfig, PipelineConfigError, type PipelineConfig } from '../../lambdas/core/config.js';

/** The PipelineConfigError that parsing `raw` throws (the test fails if it parses or throws anything else). */
export function configError(raw: unknown): PipelineConfigError {
  const error = ((): unknown => {
    try {
      return parsePipelineConfig(raw);
    } catch (e) {
      return e;
    }
  })();
  expect(error).toBeInstanceOf(PipelineConfigError);
  return error as PipelineConfigError;
}

/** A file-drop source (NDJSON under pending/<name>/) as a raw config entry. */
export function filesSource(name: string, fields: readonly object[], watermarkField: string) {
  return { name, kind: 'files', files: { format: 'ndjson' }, fields, watermarkField };
}

/** The seed's consolidation entry without its origins (filesConsolidationConfig adds them). */
export interface GoldTable {
  database: string;
  tabela_consolidada: string;
  chaves_principais: string[];
  campos_decisao: unknown[];
}

/** File-drop origins sharing `fields`, consolidated into one gold table by the Lambda engine. */
export function filesConsolidationConfig(
  origins: string[],
  source: { fields: readonly object[]; watermarkField: string },
  gold: GoldTable,
  rest: Record<string, unknown> = {},
): PipelineConfig {
  return parsePipelineConfig({
    sources: origins.map((name) => filesSource(name, source.fields, source.watermarkField)),
    consolidations: [{ ...gold, origens: origins, engine: 'lambda' }],
    ...rest,
  });
}
