// The GlueConsolidationRunner port on S3: a run's spec goes to the spec store as JSON, under the key the job
// reads it from (`--spec_uri`). The run is started and awaited by the state machine (glue:startJobRun.sync),
// so this adapter calls no Glue API: a retried step rewrites the same spec and starts nothing.
import type { ObjectStore } from '../../ports/object-store.js';
import type { GlueConsolidationRunner, GlueConsolidationSpec, GlueRunRequest } from '../../ports/glue-runner.js';

export interface GlueJobRunnerOptions {
  /** Where spec files are written (the gold bucket; the job's role reads only GLUE_SPEC_PREFIX there). */
  specStore: ObjectStore;
  specPrefix?: string;
}

export class GlueJobRunner implements GlueConsolidationRunner {
  constructor(private readonly options: GlueJobRunnerOptions) {}

  /** The key of a spec in the spec store: one per partition and run. */
  specKey(spec: GlueConsolidationSpec): string {
    return `${this.options.specPrefix ?? '_glue-specs/'}${spec.database}/${spec.tabela_consolidada}/anomesdia=${spec.anomesdia}/run=${spec.run_id}.json`;
  }

  async prepare(spec: GlueConsolidationSpec): Promise<GlueRunRequest> {
    const key = this.specKey(spec);
    await this.options.specStore.put(key, JSON.stringify(spec, null, 2), { contentType: 'application/json' });
    return { spec_uri: this.options.specStore.uri(key) };
  }
}
