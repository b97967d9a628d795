// Runs every benchmark (bench/*.bench.ts) in its own process, so each one's peak RSS is its own.
// Usage: npm run bench [-- name-filter]
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2] ?? '';
const benches = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts') && f.includes(filter))
  .sort();
if (benches.length === 0) {
  console.error(`No benchmark matches "${filter}" in ${here}`);
  process.exit(1);
}
let failed = 0;
for (const file of benches) {
  console.log(`\n=== ${file}`);
  const started = Date.now();
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', join(here, file)], { stdio: 'inherit' });
  console.log(
    `=== ${file}: ${result.status === 0 ? 'done' : `FAILED (exit ${result.status})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  if (result.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
