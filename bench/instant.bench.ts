// Timestamp parse micro-benchmark: refine reads three timestamps a row, nearly all in the form
// Date.toISOString writes. Prints ns per text for the fast path (parseTimestampText) and for the general
// path every other shape takes (generalTimestampText), on the same texts, after checking they agree.
// Usage: npm run bench -- instant
import { generalTimestampText, parseTimestampText } from '../lambdas/core/instant.js';

const COUNT = 200_000;
const START = Date.UTC(2024, 0, 1);
const texts = Array.from({ length: COUNT }, (_, i) => new Date(START + ((i * 7919) % 863_913_600) * 1000 + (i % 1000)).toISOString());

for (const text of texts)
  if (parseTimestampText(text, 'UTC') !== generalTimestampText(text, 'UTC')) throw new Error(`the two paths disagree on ${text}`);

/** The least CPU time per text over several rounds (the machine is shared: the least is the least disturbed). */
function nsPerText(parse: (text: string, zone: string) => number | undefined): number {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    let sum = 0;
    const cpu = process.cpuUsage();
    for (const text of texts) sum += parse(text, 'UTC')!;
    const used = process.cpuUsage(cpu);
    if (!Number.isFinite(sum)) throw new Error('a text did not parse');
    best = Math.min(best, ((used.user + used.system) * 1000) / COUNT);
  }
  return best;
}

const general = nsPerText(generalTimestampText);
const fast = nsPerText(parseTimestampText);
console.log(
  `timestamps, ${COUNT} yyyy-mm-ddThh:mm:ss.sssZ texts: fast path ${fast.toFixed(0)} ns each, general path ${general.toFixed(0)} ns each (${(general / fast).toFixed(1)}x)`,
);
