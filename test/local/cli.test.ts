import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseCommandLine } from '../../local/cli.js';

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
