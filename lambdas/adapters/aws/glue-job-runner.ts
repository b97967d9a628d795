// The GlueConsolidationRunner port over a Glue job: the spec goes to S3 as JSON, the job gets its URI
// as `--spec_uri`, and the run is polled until it ends. A Glue job may run for hours and a Lambda for 15
// minutes, so the runner waits a bounded time, records the run beside the spec, and throws
// GlueJobStillRunningError; the state machine retries the step later and the next call resumes waiting
// on the recorded run instead of starting another.
import { GetJobRunCommand, StartJobRunCommand, type GlueClient } from '@aws-sdk/client-glue';
import { sha256Hex } from '../../core/hashing.js';
import type { ObjectStore } from '../../ports/object-store.js';
import { ObjectNotFoundError, GlueJobFailedError, GlueJobStillRunningError } from '../../ports/errors.js';
import type { GlueConsolidationRun, GlueConsolidationRunner, GlueConsolidationSpec, GlueRunOptions } from '../../ports/glue-runner.js';

export interface GlueJobRunnerOptions {
  jobName: string;
  /** Where spec files are written (e.g. the gold bucket). */
  specStore: ObjectStore;
  specPrefix?: string;
  pollIntervalMs?: number;
  /** How long one call may wait for the run, in ms, unless the call says [4 minutes]. */
  waitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** The run a call started, kept beside the spec so that a later call of the same attempt resumes it. */
interface RunRecord {
  job_run_id: string;
  spec_hash: string;
  attempt: string;
  started_at: string;
}

const FAILED_STATES = new Set(['FAILED', 'ERROR', 'TIMEOUT', 'STOPPED', 'EXPIRED']);
const DEFAULT_WAIT_MS = 4 * 60_000;

export class GlueJobRunner implements GlueConsolidationRunner {
  constructor(
    private readonly client: GlueClient,
    private readonly options: GlueJobRunnerOptions,
  ) {}

  /** The key of a spec in the spec store. */
  specKey(spec: GlueConsolidationSpec): string {
    return `${this.options.specPrefix ?? '_glue-specs/'}${spec.database}/${spec.tabela_consolidada}/anomesdia=${spec.anomesdia}/run=${spec.run_id}.json`;
  }

  /** The key of the record of the run started for a spec. */
  runRecordKey(spec: GlueConsolidationSpec): string {
    return this.specKey(spec).replace(/\.json$/, '.job-run.json');
  }

  async run(spec: GlueConsolidationSpec, options: GlueRunOptions = {}): Promise<GlueConsolidationRun> {
    const { jobName, specStore } = this.options;
    const now = this.options.now ?? Date.now;
    const waitMs = options.waitMs ?? this.options.waitMs ?? DEFAULT_WAIT_MS;
    const started = now();
    const specText = JSON.stringify(spec, null, 2);
    const specHash = sha256Hex(specText);
    const attempt = options.attempt ?? spec.run_id;

    let runId = await this.resumable(spec, specHash, attempt);
    const resumed = runId !== undefined;
    if (runId === undefined) {
      const key = this.specKey(spec);
      await specStore.put(key, specText, { contentType: 'application/json' });
      const out = await this.client.send(new StartJobRunCommand({ JobName: jobName, Arguments: { '--spec_uri': specStore.uri(key) } }));
      runId = out.JobRunId!;
      const record: RunRecord = { job_run_id: runId, spec_hash: specHash, attempt, started_at: new Date(now()).toISOString() };
      await specStore.put(this.runRecordKey(spec), JSON.stringify(record), { contentType: 'application/json' });
    }
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    for (;;) {
      const out = await this.client.send(new GetJobRunCommand({ JobName: jobName, RunId: runId }));
      const state = out.JobRun?.JobRunState ?? 'UNKNOWN';
      if (state === 'SUCCEEDED') return { jobRunId: runId, executionTimeSeconds: out.JobRun?.ExecutionTime };
      if (FAILED_STATES.has(state)) throw new GlueJobFailedError(jobName, runId, state, out.JobRun?.ErrorMessage);
      if (now() - started >= waitMs)
        throw new GlueJobStillRunningError(jobName, runId, state, Math.round((now() - started) / 1000), resumed);
      await sleep(Math.min(this.options.pollIntervalMs ?? 15_000, Math.max(0, waitMs - (now() - started))));
    }
  }

  /** The run an earlier call of this attempt started for this very spec, unless it failed (then a new one starts). */
  private async resumable(spec: GlueConsolidationSpec, specHash: string, attempt: string): Promise<string | undefined> {
    let record: RunRecord;
    try {
      record = JSON.parse(new TextDecoder().decode(await this.options.specStore.get(this.runRecordKey(spec)))) as RunRecord;
    } catch (err) {
      if (err instanceof ObjectNotFoundError || err instanceof SyntaxError) return undefined;
      throw err;
    }
    if (record.attempt !== attempt || record.spec_hash !== specHash) return undefined;
    const out = await this.client.send(new GetJobRunCommand({ JobName: this.options.jobName, RunId: record.job_run_id }));
    return FAILED_STATES.has(out.JobRun?.JobRunState ?? 'UNKNOWN') ? undefined : record.job_run_id;
  }
}
