// The CDK app entry (cdk.json runs `npx tsx bin/app.ts`): `npx cdk synth -c config=path/to/config.json`.
import { PipelineConfigError } from '../lambdas/core/config.js';
import { buildApp } from '../lib/app.js';
import { ConfigFileError, DEMO_SYNTH_NOTICE } from '../lib/config-loader.js';
import { GlueScriptMissingError } from '../lib/constructs/consolidate-glue-job.js';

try {
  const { app, demo } = buildApp();
  if (demo) process.stderr.write(`${DEMO_SYNTH_NOTICE}\n`);
  app.synth();
} catch (err) {
  // A bad config or a missing script is the user's to fix: print its message alone, without a stack trace.
  if (err instanceof PipelineConfigError || err instanceof ConfigFileError || err instanceof GlueScriptMissingError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  throw err;
}
