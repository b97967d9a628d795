import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gunzipLines } from '../../lambdas/core/refine/bronze-reader.js';

describe('bronze part lines', () => {
  it('splits gzipped text into its lines, multi-byte characters and long lines across decompressed chunks intact', async () => {
    const lines = Array.from({ length: 3_000 }, (_, i) => (i % 500 === 7 ? 'ç€😀'.repeat(30_000) : `{"n":${i},"s":"ação ${'é'.repeat(i % 50)}"}`));
    expect(await gunzipLines(gzipSync(lines.join('\n') + '\n'))).toEqual(lines);
    expect(await gunzipLines(gzipSync('a\n\nb'))).toEqual(['a', '', 'b']);
    expect(await gunzipLines(gzipSync(''))).toEqual([]);
  });

  it('rejects bytes that are not gzip', async () => {
    await expect(gunzipLines(new TextEncoder().encode('{"not":"gzip"}\n'))).rejects.toThrow(/header/i);
  });
});
