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

/** File-drop origins sharing `fields`, consolidated into one gold table by the Lambda engine. */
export function filesConsolidationConfig(spec: {
  origins: string[];
  fields: readonly object[];
  watermarkField: string;
  database: string;
  table: string;
  keys: string[];
  decision: unknown[];
  storage?: Record<string, unknown>;
}): PipelineConfig {
  return parsePipelineConfig({
    sources: spec.origins.map((name) => filesSource(name, spec.fields, spec.watermarkField)),
    consolidations: [
      {
        database: spec.database,
        tabela_consolidada: spec.table,
        origens: spec.origins,
        chaves_principais: spec.keys,
        campos_decisao: spec.decision,
        engine: 'lambda',
      },
    ],
    ...(spec.storage ? { storage: spec.storage } : {}),
  });
}
