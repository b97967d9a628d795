// Shared by the CDK tests: a synth without Lambda bundling, and the Glue script (or a placeholder until it exists).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPOSITORY_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** App context that skips esbuild bundling (six functions), leaving the template otherwise the same. */
export const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] as string[] };

/**
 * Props of a fast test App: no bundling, and no built-in CloudFormation schema validation (a WASM
 * engine that takes 15 s or more per synth on this machine; cfn-validation.test.ts runs it once).
 */
export const FAST_APP = { builtinCloudFormationValidation: false, context: NO_BUNDLING };

/**
 * The consolidate Glue script to upload: the repository's when it exists, else a placeholder in a temp
 * folder (the asset only needs a file). Call `cleanup` after the test.
 */
export function glueScriptForTests(): { path: string; cleanup: () => void } {
  const real = join(REPOSITORY_ROOT, 'glue-scripts', 'consolidate_job.py');
  if (existsSync(real)) return { path: real, cleanup: () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'glue-script-'));
  const path = join(dir, 'consolidate_job.py');
  writeFileSync(path, '# placeholder for the CDK tests\n');
  return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
