import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { LocalProgress, describeProgress } from '../../local/progress.js';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk, _enc, done) {
        chunks.push(String(chunk));
        done();
      },
    }),
    { isTTY, columns: 120 },
  );
  return { stream, text: () => chunks.join(''), chunks };
}

describe('local ingestion progress', () => {
  it('describes pages, records, rate and the ETA when the total is known', () => {
    expect(describeProgress('sor', { pages: 4, records: 2_000, totalRecords: 10_000 }, 2_000)).toBe(
      'sor | 4 pages | 2,000/10,000 records | 1,000 rec/s | ETA 8s',
    );
    expect(describeProgress('sot', { pages: 3, records: 1_500, totalPages: 12 }, 3_000)).toBe(
      'sot | 3/12 pages | 1,500 records | 500 rec/s | ETA 9s',
    );
    expect(describeProgress('cotacoes', { pages: 2, records: 10 }, 1_000)).toBe('cotacoes | 2 pages | 10 records | 10 rec/s');
    expect(describeProgress('animais', { kind: 'files', pages: 2, records: 10, totalPages: 2 }, 1_000)).toMatch(/^animais \| 2\/2 files/);
  });

  it('prints at most one line per source every interval on a non-TTY output, and a final line', () => {
    let now = 0;
    const out = sink(false);
    const progress = new LocalProgress({ stream: out.stream, lineIntervalMs: 5_000, now: () => now });
    progress.start('sor', { kind: 'http' });
    progress.start('sot', { kind: 'http' });
    for (let i = 1; i <= 100; i++) {
      now = i * 100; // 10 s in all
      progress.update('sor', { pages: i, records: i * 500 });
      progress.update('sot', { pages: i, records: i * 100 });
    }
    progress.finish('sor', { status: 'SUCCEEDED', pages: 100, records: 50_000 });
    progress.finish('sot', { status: 'FAILED', pages: 100, records: 10_000, message: 'HTTP 500' });
    const lines = out.text().trim().split('\n');
    expect(lines.filter((l) => l.includes(' sor |'))).toEqual([
      '[progress] sor | 50 pages | 25,000 records | 5,000 rec/s',
      '[progress] sor | 100 pages | 50,000 records | 5,000 rec/s',
      '[progress] sor | 100 pages | 50,000 records | 5,000 rec/s | SUCCEEDED in 10s',
    ]);
    expect(lines.at(-1)).toBe('[progress] sot | 100 pages | 10,000 records | 1,000 rec/s | FAILED in 10s: HTTP 500');
    expect(lines).toHaveLength(6);
  });

  it('draws live bars on a terminal and stops them when every source is done', async () => {
    const out = sink(true);
    const progress = new LocalProgress({ stream: out.stream });
    progress.start('sor', { kind: 'http' });
    progress.update('sor', { pages: 2, records: 1_000, totalRecords: 4_000 });
    await new Promise((r) => setTimeout(r, 250));
    expect(out.text()).toMatch(/\[█+░+\] sor \| 2 pages \| 1,000\/4,000 records/);
    progress.finish('sor', { status: 'SUCCEEDED', pages: 8, records: 4_000 });
    expect(out.text()).toMatch(/sor \| 8 pages \| 4,000 records \| [\d,]+ rec\/s \| SUCCEEDED/);
    const written = out.chunks.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(out.chunks.length).toBe(written);
  });
});
