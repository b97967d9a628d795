// `npm run file-drop`: the local twin of the AWS file-drop trigger. The files under the data folder's bronze pending/
// become "object created" events, the same core function (lambdas/core/ingest/file-drop-trigger.ts) picks the
// executions, and each runs on the local state machine; a name already run collides as it does in Step Functions.
import './quiet-warnings.js';
import './polyfills.js';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { parsePipelineConfig, type PipelineConfig, type PipelineConfigInput } from '../lambdas/core/config.js';
import { defaultPipelineConfig } from '../lambdas/core/default-config.js';
import { fileDropExecutions, type CreatedObject } from '../lambdas/core/ingest/file-drop-trigger.js';
import type { ExecutionInput } from '../lambdas/core/plan.js';
import type { ExecutionStarter } from '../lambdas/ports/execution-starter.js';
import { startAll, type FileDropTriggerResult } from '../lambdas/steps/file-drop-trigger.js';
import { parseCommandLine } from './cli.js';
import type { LocalRunReport } from './local-run.js';

/** Names of the executions the local trigger started, kept like Step Functions' execution names. */
const STARTED_FILE = 'file-drop-executions.json';

/** Every file under the local bronze bucket's pending/ folder, as the created-object events S3 would send. */
export async function pendingObjects(dataDir: string): Promise<CreatedObject[]> {
  const bronze = join(dataDir, 'lake', 'bronze');
  const entries = await readdir(join(bronze, 'pending'), { recursive: true, withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  const objects: CreatedObject[] = [];
  for (const e of entries) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    objects.push({ key: relative(bronze, path).split(sep).join('/'), time: (await stat(path)).mtime.toISOString() });
  }
  return objects.sort((a, b) => a.key.localeCompare(b.key));
}

export interface LocalFileDropOptions {
  dataDir: string;
  config?: PipelineConfigInput;
  /** Runs one execution's input [runLocal on the data folder]. */
  run?: (input: ExecutionInput) => Promise<Pick<LocalRunReport, 'outcome' | 'error'>>;
}

export interface LocalFileDropResult extends FileDropTriggerResult {
  /** What each started execution came to, by name. */
  outcomes: Record<string, Pick<LocalRunReport, 'outcome' | 'error'>>;
}

/** Starts the executions the pending files call for, one after another (one local run at a time per data folder). */
export async function triggerLocalFileDrops(options: LocalFileDropOptions): Promise<LocalFileDropResult> {
  const dataDir = resolve(options.dataDir);
  const config: PipelineConfig = parsePipelineConfig(options.config ?? defaultPipelineConfig);
  const plan = fileDropExecutions(config, await pendingObjects(dataDir));
  const run =
    options.run ?? (async (input: ExecutionInput) => (await import('./local-run.js')).runLocal({ dataDir, input, config: options.config }));
  const startedFile = join(dataDir, STARTED_FILE);
  const names = new Set<string>(JSON.parse(await readFile(startedFile, 'utf8').catch(() => '[]')) as string[]);
  const outcomes: LocalFileDropResult['outcomes'] = {};
  const starter: ExecutionStarter = {
    async start(name, input) {
      if (names.has(name)) return 'exists';
      names.add(name);
      await mkdir(dataDir, { recursive: true });
      await writeFile(startedFile, JSON.stringify([...names]));
      outcomes[name] = await run(input as ExecutionInput);
      return 'started';
    },
  };
  return { ...(await startAll(starter, plan.executions)), ignored: plan.ignored, outcomes };
}

const USAGE = `Usage: npm run file-drop -- [--data-dir .local/]

Starts, as the AWS trigger does, one hourly run per file-drop source with files waiting under
<data-dir>/lake/bronze/pending/<source>/, named by source and minute (a name already run is not run again).`;

async function main(): Promise<number> {
  const parsed = parseCommandLine({ options: { 'data-dir': { type: 'string', default: '.local' } } }, USAGE);
  if (!parsed) return 2;
  const result = await triggerLocalFileDrops({ dataDir: parsed.values['data-dir'] });
  for (const s of result.started) console.log(`${s.name}: ${s.files} file(s) of ${s.source} -> ${result.outcomes[s.name]?.outcome ?? '?'}`);
  for (const name of result.existing) console.log(`${name}: already started (same source and minute)`);
  for (const i of result.ignored) console.log(`ignored ${i.key}: ${i.reason}`);
  if (result.started.length + result.existing.length === 0)
    console.log('No file waits under pending/<source>/ of an enabled file-drop source.');
  return Object.values(result.outcomes).some((o) => o.outcome === 'failed') ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  main()
    .catch((err: unknown) => {
      // The error's name and message only: each says what is wrong and what to do.
      console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
      return 1;
    })
    .then((code) => process.exit(code));
}
