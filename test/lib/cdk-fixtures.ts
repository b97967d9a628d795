// Shared by the CDK tests: a synth without Lambda bundling, and the Glue script (or a placeholder until it exists).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

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

export interface CfnLintFinding {
  Level: 'Error' | 'Warning' | 'Informational';
  Message: string;
  Filename: string;
  Rule: { Id: string };
  Location: { Path: (string | number)[] };
}

/** AWS's cfn-lint (Python, on PATH) over synthesized templates: its findings. */
export async function cfnLint(templates: string[]): Promise<CfnLintFinding[]> {
  // cfn-lint exits non-zero when it finds anything; its JSON report is on stdout either way.
  const run = await promisify(execFile)('cfn-lint', ['--format', 'json', ...templates], { maxBuffer: 16 * 1024 * 1024 }).catch(
    (err: { stdout?: string; stderr?: string; code?: unknown }) => {
      if (!err.stdout) throw new Error(`cfn-lint did not run (exit ${String(err.code)}): ${err.stderr ?? ''}`);
      return { stdout: err.stdout };
    },
  );
  return JSON.parse(run.stdout) as CfnLintFinding[];
}
