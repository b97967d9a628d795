import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Emulators (dynalite, s3rver, DuckDB) and CDK synthesis are slow to start; a generous
    // per-test timeout avoids flaky failures on a loaded 2-core machine. Speed goals live in bench/.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    globalSetup: ['test/setup/temp-root.ts'],
    pool: 'forks',
    maxWorkers: 2,
    // The Lambda runtime's structured logs and metrics are asserted where they matter, not printed.
    // On Node.js 20 the AWS SDK warns once per worker that it will need Node.js 22 from 2027.
    env: { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
