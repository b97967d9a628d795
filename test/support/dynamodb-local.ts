// AWS's DynamoDB Local in memory on 127.0.0.1 with the pipeline's state tables, and the two emulators the state-layer suites run on.
import { afterAll, beforeAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { documentClient } from '../../lambdas/adapters/aws/dynamodb-client.js';
import { parsePipelineConfig } from '../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../lambdas/core/default-config.js';
import { createStateTables } from '../../local/dynamo.js';
import { startTestDynamo, type TestDynamo } from './dynalite.js';

/** DynamoDB Local 1.25.1, as the amplify-dynamodb-simulator package ships it (the jar, its libraries and sqlite4java's native libraries). */
const EMULATOR = join(dirname(createRequire(import.meta.url).resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
const LAUNCHER = fileURLToPath(new URL('./DynamoDBLocalLauncher.java', import.meta.url));
const READY = 'DYNAMODB_LOCAL_LISTENING ';
// The JVM compiles the launcher and starts Jetty in 1.5-2 s on an idle machine, 5-6 s on a loaded one.
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;

/** Throws, saying what to install, unless `java` runs and is Java 17 or later (the launcher is a single source file). */
export function checkJava(command = 'java'): void {
  const install = 'Install Java 17 (on Debian: apt-get install openjdk-17-jre-headless) and put java on PATH';
  const run = spawnSync(command, ['-version'], { encoding: 'utf8' });
  if (run.error)
    throw new Error(`The DynamoDB Local tests need Java 17, and "${command}" could not be run (${run.error.message}). ${install}.`);
  const major = Number(/version "(\d+)/.exec(run.stderr)?.[1] ?? 0);
  if (major < 17)
    throw new Error(
      `The DynamoDB Local tests need Java 17; "${command} -version" says ${JSON.stringify(run.stderr.split('\n')[0])}. ${install}.`,
    );
}

/**
 * Starts DynamoDB Local in memory on 127.0.0.1 (a port the system picks) and creates the state tables
 * as the local run does. Its process ends on stop(), and by itself when this process ends (its stdin closes).
 */
export async function startDynamoDBLocal(): Promise<TestDynamo> {
  checkJava();
  const child = spawn(
    'java',
    [
      // C1 only and the serial collector: half the start time, and the tests' load is small.
      '-XX:TieredStopAtLevel=1',
      '-XX:+UseSerialGC',
      '-Xmx1g',
      `-Dsqlite4java.library.path=${join(EMULATOR, 'DynamoDBLocal_lib')}`,
      '-cp',
      [join(EMULATOR, 'DynamoDBLocal.jar'), join(EMULATOR, 'DynamoDBLocal_lib', '*')].join(delimiter),
      LAUNCHER,
      '-inMemory',
      '-sharedDb',
      '-disableTelemetry',
      // Required by its option parser (which rejects 0); the launcher sets an ephemeral port instead.
      '-port',
      '8000',
    ],
    { cwd: tmpdir(), env: { ...process.env, DDB_LOCAL_TELEMETRY: '0' }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4_000)));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.stdin.end();
    await exited;
    clearTimeout(timer);
  };

  try {
    const port = await new Promise<number>((resolve, reject) => {
      let stdout = '';
      const timer = setTimeout(
        () => reject(new Error(`DynamoDB Local did not start within ${START_TIMEOUT_MS} ms. Its output: ${stdout}${stderr}`)),
        START_TIMEOUT_MS,
      );
      child.once('error', (err) => reject(new Error(`DynamoDB Local could not be started: ${err.message}`)));
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`DynamoDB Local exited (${signal ?? `code ${code}`}) before it listened. Its output: ${stdout}${stderr}`));
      });
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        stdout = (stdout + d).slice(-4_000);
        const ready = new RegExp(`^${READY}(\\d+)$`, 'm').exec(stdout);
        if (ready) {
          clearTimeout(timer);
          resolve(Number(ready[1]));
        }
      });
    });
    const endpoint = `http://127.0.0.1:${port}`;
    const client = new DynamoDBClient({ endpoint, region: 'local-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    try {
      const tables = await createStateTables(client, parsePipelineConfig(defaultPipelineConfig));
      return {
        endpoint,
        client,
        tables,
        doc: documentClient(client),
        async stop() {
          client.destroy();
          await stop();
        },
      };
    } catch (err) {
      client.destroy();
      throw err;
    }
  } catch (err) {
    await stop();
    throw err;
  }
}

export interface StateEmulator {
  name: string;
  start(): Promise<TestDynamo>;
}

/**
 * The emulators the state layer is proven on. They differ where it matters to the stores: DynamoDB Local
 * counts strings in UTF-8 bytes as DynamoDB does (dynalite in UTF-16 units), rejects an empty string
 * as an index key, and implements TTL and TransactWriteItems.
 */
export const STATE_EMULATORS: StateEmulator[] = [
  { name: 'dynalite', start: startTestDynamo },
  { name: 'DynamoDB Local', start: startDynamoDBLocal },
];

/** The emulator started before the enclosing describe block's tests and stopped after them; `use` gets it once started. */
export function useEmulator(emulator: StateEmulator, use: (dynamo: TestDynamo) => void | Promise<void>): void {
  let dynamo: TestDynamo | undefined;
  beforeAll(async () => {
    dynamo = await emulator.start();
    await use(dynamo);
  });
  afterAll(async () => dynamo?.stop());
}
