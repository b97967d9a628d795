// A config file read for synth or npm start: an expectation's bound its field cannot hold fails there.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ExpectationConfigError } from '../../lambdas/core/quality/errors.js';
import { readPipelineConfigFile } from '../../lib/config-loader.js';
import { ordersConfig } from '../core/quality/support.js';

const raw = ordersConfig;

describe('config file with expectations', () => {
  it('a config file whose bound its field cannot hold fails when it is read, before anything runs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'expectations-config-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'c.json'), JSON.stringify(raw([{ name: 'cents', range: { field: 'amount', max: '9.999' } }])));
    expect(() => readPipelineConfigFile('c.json', dir)).toThrow(ExpectationConfigError);
    expect(() => readPipelineConfigFile('c.json', dir)).toThrow(/sources\.orders\.expectations\[0\]\.range\.max cannot be compared/);
  });
});
