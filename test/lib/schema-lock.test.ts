// The schema lock at synth: a compatible change (a field added, a type widened, a field removed or renamed)
// updates the Glue tables in the template and the lock; a narrowing fails the synth naming each change.
import { Template } from 'aws-cdk-lib/assertions';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { SchemaChangesRejectedError } from '../../lambdas/core/lake/errors.js';
import { buildApp } from '../../lib/app.js';
import { loadPipelineConfig } from '../../lib/config-loader.js';
import { checkSchemaLock, DEMO_SCHEMA_LOCK, lockedTables, schemaLockNotice, schemaLockPath } from '../../lib/schema-lock.js';
import { changed, V1, V1_TO_V2, V2, writeEvolutionConfig, type Field } from '../support/evolution-config.js';
import { FAST_APP, REPOSITORY_ROOT, glueScriptForTests } from './cdk-fixtures.js';

const glueScript = glueScriptForTests();
const dir = mkdtempSync(join(tmpdir(), 'schema-lock-test-'));
afterAll(() => {
  glueScript.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(name: string, fields: Field[], source: Record<string, unknown> = {}): string {
  return writeEvolutionConfig(join(dir, name), fields, source);
}

function synth(config: string, context: Record<string, unknown> = {}) {
  const built = buildApp({
    appProps: { ...FAST_APP, outdir: join(dir, 'out'), context: { ...FAST_APP.context, config, ...context } },
    pipeline: { glueScriptPath: glueScript.path },
  });
  return { built, template: Template.fromStack(built.dataLake) };
}

/** The Glue table's columns in the template, as `name type`. */
function glueColumns(template: Template, name: string): string[] {
  const tables = Object.values(template.findResources('AWS::Glue::Table')) as {
    Properties: { TableInput: { Name: string; StorageDescriptor: { Columns: { Name: string; Type: string }[] } } };
  }[];
  const table = tables.find((t) => t.Properties.TableInput.Name === name);
  return table!.Properties.TableInput.StorageDescriptor.Columns.map((c) => `${c.Name} ${c.Type}`);
}

describe('the schema lock', () => {
  it('is created beside the config on the first synth, then applies each compatible change to the Glue tables and itself', () => {
    const config = writeConfig('meters.json', V1);
    const lock = schemaLockPath(config);
    expect(lock).toBe(join(dir, 'meters.schema-lock.json'));
    const first = synth(config).built.schemaLock!;
    expect(schemaLockNotice(first)).toBe(
      `Schema lock ${lock} created; commit it with the config:\n  every catalog table locked as declared`,
    );
    first.save!();
    expect(JSON.parse(readFileSync(lock, 'utf8'))).toEqual({ tables: lockedTables(loadPipelineConfig(config)) });

    writeConfig('meters.json', V2);
    const { built, template } = synth(config);
    expect(glueColumns(template, 'readings')).toEqual([
      'meter_id string',
      'read_at timestamp',
      'qty bigint',
      'kwh double',
      'total decimal(14,4)',
      'state string',
      'channel string',
      '_content_hash string',
      '_ingested_at timestamp',
      '_run_id string',
    ]);
    expect(glueColumns(template, 'latest')).toContain('total decimal(14,4)');
    expect(schemaLockNotice(built.schemaLock!)).toBe(
      [
        `Schema lock ${lock} updated; commit it with the config:`,
        `  table db_silver.readings: ${V1_TO_V2}`,
        `  table energy.latest: ${V1_TO_V2}`,
      ].join('\n'),
    );
    // Nothing is written before the synth succeeds: the lock still holds the first columns until save.
    expect(readFileSync(lock, 'utf8')).toContain('"name": "note"');
    built.schemaLock!.save!();
    expect(readFileSync(lock, 'utf8')).not.toContain('"name": "note"');
    expect(synth(config).built.schemaLock).toEqual({ path: lock, changes: [] });
  });

  it('fails the synth on a narrowing or another type, naming each column with both types and what to do; the lock stays', () => {
    const config = writeConfig('narrow.json', V1);
    synth(config).built.schemaLock!.save!();
    const before = readFileSync(schemaLockPath(config), 'utf8');
    writeConfig('narrow.json', changed(V1, { kwh: { type: 'integer' }, total: { scale: 1 }, note: { type: 'integer' } }));
    let error: unknown;
    try {
      synth(config);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SchemaChangesRejectedError);
    const rejected = error as SchemaChangesRejectedError;
    expect(rejected.changes.map((c) => `${c.table} ${c.column} ${c.from} -> ${c.to}`)).toEqual([
      'db_silver.readings kwh long -> integer',
      'db_silver.readings total decimal(10,2) -> decimal(10,1)',
      'db_silver.readings note string -> integer',
      'energy.latest kwh long -> integer',
      'energy.latest total decimal(10,2) -> decimal(10,1)',
      'energy.latest note string -> integer',
    ]);
    expect(rejected.message).toContain(
      `6 incompatible schema change(s) against the schema lock ${schemaLockPath(config)}; nothing was changed.`,
    );
    expect(rejected.message).toContain(
      'Table db_silver.readings column "kwh": the config changes its type from long to integer, which the partitions written as long cannot be read as.',
    );
    expect(rejected.message).toContain('backfill it');
    expect(rejected.message).toContain('-c acceptSchemaChanges=true');
    expect(readFileSync(schemaLockPath(config), 'utf8')).toBe(before);

    // The escape hatch: the break accepted on purpose, the tables and the lock take the new types.
    const { built, template } = synth(config, { acceptSchemaChanges: 'true' });
    expect(glueColumns(template, 'readings')).toContain('kwh int');
    expect(built.schemaLock!.changes[0]).toBe(
      'table db_silver.readings: changed kwh long -> integer, total decimal(10,2) -> decimal(10,1), note string -> integer',
    );
  });

  it('adds the _extra column to the silver Glue table when a source turns keepExtra on, and not to gold', () => {
    const config = writeConfig('extra.json', V1);
    synth(config).built.schemaLock!.save!();
    writeConfig('extra.json', V1, { keepExtra: true });
    const { built, template } = synth(config);
    expect(glueColumns(template, 'readings')).toContain('_extra string');
    expect(glueColumns(template, 'latest')).not.toContain('_extra string');
    expect(built.schemaLock!.changes).toEqual(['table db_silver.readings: added _extra']);
  });

  it('makes `bin/app.ts` exit 1 with the rejected changes alone, without a stack trace', async () => {
    const config = writeConfig('cli.json', V1);
    synth(config).built.schemaLock!.save!();
    writeConfig('cli.json', changed(V1, { qty: { type: 'string' } }));
    const failure = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(REPOSITORY_ROOT, 'bin', 'app.ts')], {
      cwd: REPOSITORY_ROOT,
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ config }), CDK_OUTDIR: join(dir, 'cli-out') },
    }).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('Table db_silver.readings column "qty": the config changes its type from integer to string');
    expect(failure?.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('is committed current for the demo config, so that a synth of the demo changes no file', () => {
    const check = checkSchemaLock(loadPipelineConfig(undefined), DEMO_SCHEMA_LOCK, { accept: false });
    expect(check.changes, 'schema/demo.schema-lock.json is stale: run `npm run synth` and commit the lock').toEqual([]);
  });
});
