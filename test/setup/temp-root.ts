// Global setup: the test workers' temporary folder is one folder of this run, removed when the run
// ends. CDK apps built without an outdir (and a few fixtures) would otherwise leave a /tmp/cdk.outXXXX
// behind for every synthesis, run after run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'medallion-test-'));
  // Read by os.tmpdir() in the worker processes, which start after this runs.
  process.env.TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}
