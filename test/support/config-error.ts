// The PipelineConfigError a config is refused with, for tests that check each issue's path and message.
import { expect } from 'vitest';
import { parsePipelineConfig, PipelineConfigError } from '../../lambdas/core/config.js';

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
