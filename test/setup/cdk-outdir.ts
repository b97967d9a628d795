// CDK apps built without an outdir synthesize into a fresh /tmp/cdk.outXXXX that nothing removes: each
// test file gets one folder for them instead, removed when the file's tests end.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const outdir = mkdtempSync(join(tmpdir(), 'medallion-test-cdk-'));
process.env.CDK_OUTDIR = outdir;
afterAll(() => rmSync(outdir, { recursive: true, force: true }));
