// Athena value typing micro-benchmark: a Lambda turns every value of a SELECT's result pages into its type
// (the column's valueReader, chosen once per column) before writing it to Parquet. Prints ns per value for
// each column type, after checking a sample.
// Usage: npm run bench -- athena
import { typedValue, valueReader } from '../lambdas/adapters/aws/athena-query-engine.js';

const COUNT = 100_000;
const START = Date.UTC(2024, 0, 1);
/** Instants spread over ten years (about 3,650 days). */
const instant = (i: number) => new Date(START + ((i * 7919) % 863_913_600) * 1000 + (i % 1000)).toISOString();
const cases: [type: string, text: (i: number) => string][] = [
  ['integer', (i) => String(i - 50_000)],
  ['bigint', (i) => String(9_007_199_254_000_000 + i * 37)],
  ['double', (i) => String(i / 7)],
  ['decimal(38,2)', (i) => `${12_345_678_901_234_567n + BigInt(i)}.${String(i % 100).padStart(2, '0')}`],
  ['date', (i) => instant(i).slice(0, 10)],
  ['timestamp(3)', (i) => instant(i).replace('T', ' ').slice(0, 23)],
  ['timestamp(6)', (i) => `${instant(i).replace('T', ' ').slice(0, 23)}${String(i % 1000).padStart(3, '0')}`],
  ['timestamp(3) with time zone', (i) => `${instant(i).replace('T', ' ').slice(0, 23)} UTC`],
  ['timestamp(3) with time zone', (i) => `${instant(i).replace('T', ' ').slice(0, 23)} America/Sao_Paulo`],
  // One day's events, as in a gold partition: the zone's offset is read once for the day.
  [
    'timestamp(3) with time zone',
    (i) => `${new Date(START + (i % 86_400) * 1000).toISOString().replace('T', ' ').slice(0, 23)} America/Sao_Paulo`,
  ],
];

if (typedValue('2024-01-19 00:00:00.123456 America/Sao_Paulo', 'timestamp(6) with time zone') !== '2024-01-19T03:00:00.123456Z')
  throw new Error('a zoned timestamp is not moved to UTC');
if (typedValue('12345678901234567890.12', 'decimal(38,2)') !== '12345678901234567890.12') throw new Error('a decimal is not exact');

/** The least CPU time per value over several rounds (the machine is shared: the least is the least disturbed). */
function nsPerValue(type: string, texts: string[]): number {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    let nulls = 0;
    const read = valueReader(type);
    const cpu = process.cpuUsage();
    for (const text of texts) if (read(text) === null) nulls++;
    const used = process.cpuUsage(cpu);
    if (nulls > 0) throw new Error(`${type}: a value came back null`);
    best = Math.min(best, ((used.user + used.system) * 1000) / texts.length);
  }
  return best;
}

for (const [type, text] of cases) {
  const texts = Array.from({ length: COUNT }, (_, i) => text(i));
  console.log(`${type.padEnd(28)} ${texts[0]!.padEnd(48)} ${nsPerValue(type, texts).toFixed(0).padStart(6)} ns a value`);
}
