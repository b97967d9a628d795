// The GlueConsolidationRunner port over a Glue job: the spec goes to S3 as JSON, the job gets its URI
// as `--spec_uri`, and the run is polled until it ends.
import { GetJobRunCommand, StartJobRunCommand, type GlueClient } from '@aws-sdk/client-glue';
import type { ObjectStore } from '../../ports/object-store.js';
import { GlueJobFailedError, type GlueConsolidationRun, type GlueConsolidationRunner, type GlueConsolidationSpec } from '../../ports/glue-runner.js';

export interface GlueJobRunnerOptions {
  jobName: string;
  /** Where spec files are written (e.g. the gold bucket). */
  specStore: ObjectStore;
  specPrefix?: string;
  pollIntervalMs?: number;
  /** Give up waiting after this long [14 minutes, inside one Lambda invocation]. */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const FAILED_STATES = new Set(['FAILED', 'ERROR', 'TIMEOUT', 'STOPPED', 'EXPIRED']);

export class GlueJobRunner implements GlueConsolidationRunner {
  constructor(private readonly client: GlueClient, private readonly options: GlueJobRunnerOptions) {}

  /** The key of a spec in the spec store. */
  specKey(spec: GlueConsolidationSpec): string {
    return `${this.options.specPrefix ?? '_glue-specs/'}${spec.database}/${spec.tabela_consolidada}/anomesdia=${spec.anomesdia}/run=${spec.run_id}.json`;
  }

  async run(spec: GlueConsolidationSpec): Promise<GlueConsolidationRun> {
    const { jobName, specStore } = this.options;
    const key = this.specKey(spec);
    await specStore.put(key, JSON.stringify(spec, null, 2), { contentType: 'application/json' });
    const started = await this.client.send(new StartJobRunCommand({ JobName: jobName, Arguments: { '--spec_uri': specStore.uri(key) } }));
    const runId = started.JobRunId!;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    const deadline = Date.now() + (this.options.timeoutMs ?? 14 * 60_000);
    for (;;) {
      const out = await this.client.send(new GetJobRunCommand({ JobName: jobName, RunId: runId }));
      const state = out.JobRun?.JobRunState ?? 'UNKNOWN';
      if (state === 'SUCCEEDED') return { jobRunId: runId, executionTimeSeconds: out.JobRun?.ExecutionTime };
      if (FAILED_STATES.has(state)) throw new GlueJobFailedError(jobName, runId, state, out.JobRun?.ErrorMessage);
      if (Date.now() > deadline) throw new GlueJobFailedError(jobName, runId, `still ${state} when the wait timed out`, 'the job keeps running; rerun the step once it has finished');
      await sleep(this.options.pollIntervalMs ?? 15_000);
    }
  }
}
