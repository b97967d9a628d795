// The largest execution the config schema allows, run on the synthesized definition with stand-in steps
// that return the largest summaries the real ones do: every state's input, output and task result stays
// under the 256 KB Step Functions allows, and the config refuses anything larger.
import { describe, expect, it } from 'vitest';
import {
  MAX_CONSOLIDATIONS,
  MAX_EXPECTATIONS,
  MAX_SOURCE_DAYS,
  MAX_SOURCES,
  parsePipelineConfig,
  PipelineConfigError,
  type PipelineConfig,
  type PipelineConfigInput,
} from '../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../lambdas/core/default-config.js';
import { addDays } from '../../lambdas/core/plan.js';
import { MAX_OBJECTS_LISTED } from '../../lambdas/core/processing-log.js';
import { MAX_DRIFT_FIELDS, MAX_DRIFT_NAME_LENGTH } from '../../lambdas/core/refine/drift.js';
import { MAX_QUALITY_LISTED } from '../../lambdas/core/quality/expectations.js';
import { runPipeline, synthesizePipeline, type LocalRunOutcome } from '../../local/state-machine.js';
import { memoryRuntime } from '../support/memory-runtime.js';

const LIMIT = 256 * 1024;
const operations = defaultPipelineConfig.consolidations![0]!;
const sor = defaultPipelineConfig.sources[0]!;

/** Non-ASCII text as the summaries may carry it (UTF-8: two to four bytes a character). */
const text = (n: number) => 'Operação concluída — 東京 ✓ '.repeat(Math.ceil(n / 24)).slice(0, n);
/** An object URI as long as the lake's get: a 63-character bucket, a long source name, a run id. */
const uri = (layer: string, source: string, day: string, i: number) =>
  `s3://${`medallion-${layer}-`.padEnd(63, 'x')}/source=${source}/anomesdia=${day}/run=${'f'.repeat(64)}/part-${String(i).padStart(5, '0')}.ndjson.gz`;

/** The largest schema drift a refine reports: every name it keeps, each as long as kept, in multi-byte text. */
const largestDrift = {
  records: 987_654_321,
  undeclared: Object.fromEntries(
    Array.from({ length: MAX_DRIFT_FIELDS }, (_, i) => [
      `${i} ${text(MAX_DRIFT_NAME_LENGTH)}`.slice(0, MAX_DRIFT_NAME_LENGTH),
      987_654_321,
    ]),
  ),
  missing: {},
  others: 987_654_321,
};

/** The largest quality summary a refine reports: every failed expectation it names, each name as long as allowed (40). */
const largestQuality = {
  expectations: MAX_EXPECTATIONS,
  passed: 0,
  failed: Array.from({ length: MAX_QUALITY_LISTED }, (_, i) => ({
    expectation: `e${i}_`.padEnd(40, 'x'),
    action: 'warn' as const,
    rows_checked: 987_654_321,
    rows_failed: 987_654_321,
  })),
  others: MAX_EXPECTATIONS - MAX_QUALITY_LISTED,
};

/** The config with `sources` copies of the demo source and `consolidations` tables over all of them. */
function largest(sources: number, consolidations: number, maxBackfillDays: number): PipelineConfigInput {
  const names = Array.from({ length: sources }, (_, i) => `fonte_de_operacoes_${String(i).padStart(2, '0')}`);
  return {
    ...defaultPipelineConfig,
    sources: names.map((name) => ({ ...sor, name })),
    consolidations: Array.from({ length: consolidations }, (_, i) => ({
      ...operations,
      tabela_consolidada: `tbl_processado_operacao_consolidada_${String(i).padStart(2, '0')}`,
      origens: names,
    })),
    limits: {
      ...defaultPipelineConfig.limits,
      maxBackfillDays,
      sourceConcurrency: 40,
      partitionConcurrency: 40,
      glueMaxConcurrentRuns: 1000,
    },
  };
}

/** Runs a backfill of every allowed day with steps that return the largest summaries they can. */
async function runLargest(config: PipelineConfig): Promise<LocalRunOutcome> {
  const days = config.limits.maxBackfillDays;
  const from = '2021-01-01';
  // Late events: Refine writes a few partitions outside the window, and each gets its gold partition too.
  const late = Array.from({ length: 5 }, (_, i) => addDays(from, -1 - i).replaceAll('-', ''));
  const base = memoryRuntime(config);
  // The largest summary a source step returns: every count at nine digits, the most objects it lists, a long message.
  const summary = (layer: string, source: string, window: { anomesdias: string[] }, anomesdias: string[]) => ({
    source,
    rows_read: 987_654_321,
    rows_written: 987_654_000,
    rows_invalid: 321,
    anomesdias,
    objects: Array.from({ length: MAX_OBJECTS_LISTED }, (_, i) => uri(layer, source, window.anomesdias[i]!, i)),
    objects_total: days * 3,
    duration_ms: 899_999,
    message: text(300),
  });
  const { runtime } = memoryRuntime(config, {
    async ingest(request) {
      const { watermark_candidate } = await base.runtime.ingest(request);
      return { ...summary('bronze', request.source, request.window, request.window.anomesdias), watermark_candidate };
    },
    async refine(request) {
      return {
        ...summary('silver', request.source, request.window, [...late, ...(request.ingest.anomesdias ?? [])]),
        drift: largestDrift,
        quality: largestQuality,
      };
    },
    async consolidatePartition(request) {
      return {
        anomesdia: request.anomesdia,
        rows_read: 987_654_321,
        rows_written: 987_654_000,
        rows_invalid: 321,
        engine: 'lambda',
        congregado_version: 123_456,
      };
    },
  });
  const to = addDays(from, days - 1);
  return runPipeline(synthesizePipeline(config), runtime, { mode: 'backfill', from, to }, { retryDelayMs: 0 });
}

describe('the largest execution the config allows', () => {
  // The two corners of sources x days (MAX_SOURCE_DAYS), each with the most consolidations.
  const corners = [
    { sources: MAX_SOURCE_DAYS / 1000, days: 1000 },
    { sources: MAX_SOURCES, days: MAX_SOURCE_DAYS / MAX_SOURCES },
  ];
  for (const { sources, days } of corners) {
    it(`runs ${sources} sources x ${days} days x ${MAX_CONSOLIDATIONS} consolidations with every state under 256 KB`, async () => {
      const config = parsePipelineConfig(largest(sources, MAX_CONSOLIDATIONS, days));
      const outcome = await runLargest(config);
      expect(outcome.status, JSON.stringify(outcome).slice(0, 500)).toBe('SUCCEEDED');
      const result = (outcome as { output: any }).output;
      expect(result.consolidations).toHaveLength(MAX_CONSOLIDATIONS);
      expect(result.consolidations[0]).toMatchObject({ partitions: days + 5, rows_written: (days + 5) * 987_654_000 });
      expect(result.sources).toHaveLength(sources);
      console.log(
        `largest state of ${sources} sources x ${days} days x ${MAX_CONSOLIDATIONS} consolidations: ${JSON.stringify(outcome.largestState)}`,
      );
      expect(outcome.largestState!.bytes).toBeLessThan(LIMIT);
    }, 600_000);
  }

  it('is as large as the schema goes: one more source, consolidation or day is refused, naming the limit', () => {
    const message = (input: PipelineConfigInput) => {
      try {
        parsePipelineConfig(input);
        return 'valid';
      } catch (err) {
        expect(err).toBeInstanceOf(PipelineConfigError);
        return (err as Error).message;
      }
    };
    expect(message(largest(10, MAX_CONSOLIDATIONS, 1000))).toBe('valid');
    expect(message(largest(MAX_SOURCES, MAX_CONSOLIDATIONS, 250))).toBe('valid');
    expect(message(largest(11, 1, 1000))).toContain(
      "limits.maxBackfillDays: 11 sources x 1000 days is 11000 source-days, above 10000: each source's partitions of a backfill travel in the state machine's 256 KB payload; lower maxBackfillDays to 909",
    );
    expect(message(largest(MAX_SOURCES + 1, 1, 1))).toContain(`sources: at most ${MAX_SOURCES} sources`);
    expect(message(largest(1, MAX_CONSOLIDATIONS + 1, 1))).toContain(`consolidations: at most ${MAX_CONSOLIDATIONS} consolidations`);
    expect(message(largest(1, 1, 1001))).toContain('limits.maxBackfillDays');
  });
});
