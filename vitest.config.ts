import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The two files that take minutes start first, one on each worker, and the rest fill in around them. In the
 * default order (no timings cached on a fresh clone) they could start last, or one after the other on one
 * worker: on 2 cores that made the whole run some 200 s longer than the work in it.
 */
const LONGEST = ['test/reliability/local-backfill.test.ts', 'test/reliability/concurrency.test.ts'];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = LONGEST.findIndex((l) => f.moduleId.replaceAll('\\', '/').endsWith(l));
      return i < 0 ? LONGEST.length : i;
    };
    return [...(await super.sort(files))].sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Emulators (dynalite, s3rver, DuckDB) and CDK synthesis are slow to start; a generous
    // per-test timeout avoids flaky failures on a loaded 2-core machine. Speed goals live in bench/.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    globalSetup: ['test/setup/temp-root.ts'],
    pool: 'forks',
    sequence: { sequencer: LongestFirst },
    maxWorkers: 2,
    // The Lambda runtime's structured logs and metrics are asserted where they matter, not printed.
    // On Node.js 20 the AWS SDK warns once per worker that it will need Node.js 22 from 2027.
    env: { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
