import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../lambdas/core/errors.js';
import * as localErrors from '../../local/errors.js';
import { CommandLineError } from '../../local/errors.js';
import { commandLineInput } from '../../local/run.js';
import { npmStart } from './npm-start.js';

describe('npm start command line', () => {
  it('turns the options into the execution input: D-1 without --from, a backfill with it', () => {
    expect(commandLineInput({})).toEqual({ mode: 'daily', force: false });
    expect(commandLineInput({ from: '2024-03-01', to: '2024-03-03', force: true, sources: 'sor, sot,' })).toEqual({
      mode: 'backfill',
      from: '2024-03-01',
      to: '2024-03-03',
      force: true,
      sources: ['sor', 'sot'],
    });
  });

  it('refuses --to without --from instead of silently running D-1, naming the option', () => {
    expect(() => commandLineInput({ to: '2024-03-14' })).toThrow(CommandLineError);
    expect(() => commandLineInput({ to: '2024-03-14' })).toThrow('--to 2024-03-14 needs --from');
  });

  it('exits with 2 and the usage on --to alone, before anything starts', async () => {
    const { code, stderr, stdout } = await npmStart(['--to', '2024-03-14', '--data-dir', '/nonexistent/never-created']).ended;
    expect(code).toBe(2);
    expect(stderr).toMatch(/^CommandLineError: --to 2024-03-14 needs --from.*\n\nUsage: npm start -- /);
    expect(stdout).toBe('');
  });

  it("derives every runner error from the error model's permanent errors, named after its class", () => {
    const classes = Object.entries(localErrors).filter(([, v]) => typeof v === 'function');
    expect(classes.map(([name]) => name).sort()).toEqual([
      'CommandLineError',
      'DataFolderBusyError',
      'DataFolderLockError',
      'NamedQueryError',
      'NoLocalLakeError',
    ]);
    for (const [name, cls] of classes) {
      expect((cls as { prototype: unknown }).prototype instanceof PermanentError, name).toBe(true);
    }
    expect(new CommandLineError('x')).toMatchObject({ name: 'CommandLineError', code: 'CommandLineError', retryable: false });
  });
});
