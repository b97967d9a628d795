// AWS's cfn-lint (Python, on PATH) over the synthesized DataLake and Pipeline templates: no error, and no warning
// but the one aws-cdk-lib's Lambda and Step Functions constructs cause.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../lambdas/core/default-config.js';
import { buildApp } from '../../lib/app.js';
import { FAST_APP, cfnLint, glueScriptForTests, type CfnLintFinding as Finding } from './cdk-fixtures.js';

const glueScript = glueScriptForTests();
const outdir = mkdtempSync(join(tmpdir(), 'cfn-lint-'));
afterAll(() => {
  glueScript.cleanup();
  rmSync(outdir, { recursive: true, force: true });
});

let findings: Finding[];
let templates: string[];

beforeAll(async () => {
  const { app, dataLake, pipeline } = buildApp({
    appProps: { ...FAST_APP, outdir },
    config: parsePipelineConfig(defaultPipelineConfig),
    pipeline: { glueScriptPath: glueScript.path },
  });
  app.synth();
  templates = [dataLake, pipeline].map((s) => join(outdir, s.templateFile));
  findings = await cfnLint(templates);
  // About 10 s of CPU (synth, cdk-nag, cfn-lint on two templates); far longer in wall time on a loaded machine.
}, 180_000);

describe('cfn-lint', () => {
  it('reads both templates', () => {
    expect(templates.map((t) => t.split('/').at(-1))).toEqual(['DataLake.template.json', 'Pipeline.template.json']);
  });

  it('reports no error in either template', () => {
    expect(findings.filter((f) => f.Level === 'Error').map((f) => `${f.Rule.Id} ${f.Message}`)).toEqual([]);
  });

  it("warns only of W3005, the DependsOn on their own role that aws-cdk-lib's Function and StateMachine add", () => {
    // The L2 constructs depend on the whole role (role and default policy) so that the policy exists before the
    // function or state machine runs; the role half of that is already implied by its GetAtt, hence W3005. It is
    // not in this project's code, and removing it would mean overriding DependsOn behind the constructs' backs.
    const others = findings.filter((f) => f.Level !== 'Error' && !(f.Rule.Id === 'W3005' && /Role[0-9A-F]{8}' dependency/.test(f.Message)));
    expect(others.map((f) => `${f.Rule.Id} ${f.Message}`)).toEqual([]);
    expect(findings.every((f) => !f.Filename.endsWith('DataLake.template.json'))).toBe(true);
  });
});
