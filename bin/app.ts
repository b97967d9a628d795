// The CDK app entry (cdk.json runs `npx tsx bin/app.ts`): `npx cdk synth -c config=path/to/config.json`.
import { PipelineConfigError } from '../lambdas/core/config.js';
import { SchemaChangesRejectedError } from '../lambdas/core/lake/errors.js';
import { buildApp } from '../lib/app.js';
import { SchemaLockError } from '../lib/errors.js';
import { ConfigFileError, DEMO_SYNTH_NOTICE } from '../lib/config-loader.js';
import { GlueScriptMissingError } from '../lib/constructs/consolidate-glue-job.js';
import { schemaLockNotice } from '../lib/schema-lock.js';

try {
  const { app, demo, schemaLock } = buildApp();
  if (demo) process.stderr.write(`${DEMO_SYNTH_NOTICE}\n`);
  app.synth();
  // Only once the templates are written: the lock records what was synthesized.
  const notice = schemaLock && schemaLockNotice(schemaLock);
  schemaLock?.save?.();
  if (notice) process.stderr.write(`${notice}\n`);
} catch (err) {
  // A bad config, a rejected schema change or a missing script is the user's to fix: print its message alone, without a stack trace.
  if (
    err instanceof PipelineConfigError ||
    err instanceof ConfigFileError ||
    err instanceof GlueScriptMissingError ||
    err instanceof SchemaChangesRejectedError ||
    err instanceof SchemaLockError
  ) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  throw err;
}
