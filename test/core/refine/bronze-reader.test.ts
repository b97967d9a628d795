import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gunzipLines } from '../../../lambdas/core/refine/bronze-reader.js';

describe('bronze part lines', () => {
  it('splits gzipped text into its lines, multi-byte characters and long lines across decompressed chunks intact', async () => {
    const lines = Array.from({ length: 3_000 }, (_, i) =>
      i % 500 === 7 ? 'ç€😀'.repeat(30_000) : `{"n":${i},"s":"ação ${'é'.repeat(i % 50)}"}`,
    );
    expect((await gunzipLines(gzipSync(lines.join('\n') + '\n'))).toArray()).toEqual(lines);
    expect((await gunzipLines(gzipSync('a\n\nb'))).toArray()).toEqual(['a', '', 'b']);
    expect((await gunzipLines(gzipSync(''))).toArray()).toEqual([]);
    expect((await gunzipLines(gzipSync('a\n\n'))).toArray()).toEqual(['a', '']);
    // A line longer than two decompressed chunks (1 MiB each), a multi-byte character on each boundary.
    const long = ['start', 'ã'.repeat(1_300_000), 'end'];
    const read = await gunzipLines(gzipSync(long.join('\n')));
    expect(read.length).toBe(3);
    expect(read.line(1) === long[1]).toBe(true);
    expect(read.line(2)).toBe('end');
  });

  it('rejects bytes that are not gzip', async () => {
    await expect(gunzipLines(new TextEncoder().encode('{"not":"gzip"}\n'))).rejects.toThrow(/header/i);
  });
});
