import { describe, expect, it } from 'vitest';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { GlueJobRunner } from '../../../lambdas/adapters/aws/glue-job-runner.js';
import { FsObjectStore } from '../../../lambdas/adapters/local/fs-object-store.js';
import type { GlueConsolidationSpec } from '../../../lambdas/ports/glue-runner.js';
import { tempStoreEachTest } from '../../support/temp-store.js';

const spec: GlueConsolidationSpec = {
  version: 1,
  run_id: 'run-1',
  sql: 'SELECT 1',
  counts_sql: 'SELECT 0 AS rows_read, 0 AS rows_invalid',
  quarantine_sql: 'SELECT 1',
  quarantine_location: 's3://gold/_quarantine/x/',
  database: 'db_batch',
  tabela_consolidada: 'tbl_x',
  anomesdia: '20240119',
  output_location: 's3://gold/x/',
  columns: ['a', 'origem'],
};

describe('GlueJobRunner', () => {
  let dir: string;
  let store: FsObjectStore;
  tempStoreEachTest((temp) => ({ store, root: dir } = temp), 'glue-runner');

  it('writes the spec under the spec prefix, one per partition and run, and returns its URI for --spec_uri', async () => {
    const runner = new GlueJobRunner({ specStore: store, specPrefix: '_glue-specs/' });
    const request = await runner.prepare(spec);
    const key = '_glue-specs/db_batch/tbl_x/anomesdia=20240119/run=run-1.json';
    expect(request).toEqual({ spec_uri: store.uri(key) });
    expect(JSON.parse(new TextDecoder().decode(await store.get(key)))).toEqual(spec);
    expect(runner.specKey({ ...spec, run_id: 'run-2' })).toBe('_glue-specs/db_batch/tbl_x/anomesdia=20240119/run=run-2.json');
  });

  it('rewrites the same spec when a step is retried, and starts nothing: the state machine starts the run', async () => {
    const runner = new GlueJobRunner({ specStore: store });
    const first = await runner.prepare(spec);
    const again = await runner.prepare(spec);
    expect(again).toEqual(first);
    expect(await readdir(join(dir, '_glue-specs', 'db_batch', 'tbl_x', 'anomesdia=20240119'))).toEqual(['run=run-1.json']);
  });
});
