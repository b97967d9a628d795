import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { parsePipelineConfig, PipelineConfigError } from '../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../lambdas/core/default-config.js';
import { ConfigFileError } from '../../lib/config-loader.js';
import { commandLineConfig, parseCommandLine } from '../../local/cli.js';

const config = {
  options: { force: { type: 'boolean' as const, default: false }, from: { type: 'string' as const } },
  strict: true,
  args: [] as string[],
};

describe('parseCommandLine', () => {
  afterEach(() => vi.restoreAllMocks());

  it('parses the options it knows', () => {
    expect(parseCommandLine({ ...config, args: ['--force', '--from', '2024-03-01'] }, 'usage')?.values).toEqual({
      force: true,
      from: '2024-03-01',
    });
  });

  it('answers an unknown option or a missing value with what is wrong and the usage, and no result', () => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((message: string) => void errors.push(message));
    expect(parseCommandLine({ ...config, args: ['--bogus'] }, 'Usage: npm start')).toBeNull();
    expect(parseCommandLine({ ...config, args: ['--from'] }, 'Usage: npm start')).toBeNull();
    expect(errors[0]).toMatch(/^Unknown option '--bogus'[^]*\n\nUsage: npm start$/);
    expect(errors[1]).toMatch(/--from[^]*\n\nUsage: npm start$/);
  });
});

describe('--config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is the demo config without it, and the named file (relative to the working directory) with it', () => {
    expect(commandLineConfig(undefined)).toEqual(parsePipelineConfig(defaultPipelineConfig));
    writeFileSync(join(dir, 'mine.json'), JSON.stringify({ ...defaultPipelineConfig, stage: 'mine' }));
    expect(commandLineConfig('mine.json', dir).stage).toBe('mine');
  });

  it('names a missing file, a folder and bad JSON by their path, and says how to pass a config', () => {
    const hint = 'Pass an existing JSON file with --config path/to/config.json';
    expect(() => commandLineConfig('absent.json', dir)).toThrow(`${join(dir, 'absent.json')}: no such file. ${hint}`);
    expect(() => commandLineConfig('.', dir)).toThrow(`${dir}: a folder, not a file. ${hint}`);
    writeFileSync(join(dir, 'broken.json'), '{"stage": ');
    expect(() => commandLineConfig('broken.json', dir)).toThrow(ConfigFileError);
    expect(() => commandLineConfig('broken.json', dir)).toThrow(`${join(dir, 'broken.json')}: not valid JSON`);
  });

  it('lists every wrong field of an invalid file with its path, naming the file', () => {
    const bad = {
      ...defaultPipelineConfig,
      stage: 'Prod!',
      sources: [{ ...defaultPipelineConfig.sources[0]!, watermarkField: 'nope' }, ...defaultPipelineConfig.sources.slice(1)],
    };
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(bad));
    let error: unknown;
    try {
      commandLineConfig('bad.json', dir);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PipelineConfigError);
    expect((error as PipelineConfigError).issues.map((i) => i.path)).toEqual(['stage', 'sources[0].watermarkField']);
    expect((error as Error).message).toMatch(new RegExp(`^Invalid pipeline config ${join(dir, 'bad.json')} \\(2 errors\\)`));
  });
});
