// The schema lock: every catalog table's columns as last synthesized, committed beside the config, so that an
// offline `cdk synth` can tell a compatible schema change (applied, lock rewritten) from one that breaks old partitions.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { FIELD_TYPES, type PipelineConfig } from '../lambdas/core/config.js';
import { SchemaChangesRejectedError } from '../lambdas/core/lake/errors.js';
import { lakeTables } from '../lambdas/core/lake/layout.js';
import { compareLakeSchemas, describeEvolution, type TableSchema } from '../lambdas/core/lake/schema-evolution.js';
import { SchemaLockError } from './errors.js';

/** `-c schemaLock=path` puts the lock elsewhere than beside the config. */
export const SCHEMA_LOCK_CONTEXT_KEY = 'schemaLock';
/** `-c acceptSchemaChanges=true` accepts incompatible changes on purpose: the lock takes the config's columns. */
export const ACCEPT_SCHEMA_CHANGES_CONTEXT_KEY = 'acceptSchemaChanges';

/** The demo config's lock (no config file to sit beside). */
export const DEMO_SCHEMA_LOCK = join(dirname(fileURLToPath(import.meta.url)), '..', 'schema', 'demo.schema-lock.json');

/** `stages/prod.json` -> `stages/prod.schema-lock.json`: reviewed and committed with the config it locks. */
export function schemaLockPath(configPath: string, cwd: string = process.cwd()): string {
  const file = resolve(cwd, configPath);
  return join(dirname(file), `${basename(file).replace(/\.json$/i, '')}.schema-lock.json`);
}

const LockColumn = z.object({
  name: z.string(),
  type: z.enum(FIELD_TYPES),
  precision: z.number().int().optional(),
  scale: z.number().int().optional(),
});
const LockFile = z.object({
  tables: z.array(z.object({ database: z.string(), name: z.string(), columns: z.array(LockColumn), partitionKeys: z.array(z.string()) })),
});

export interface SchemaLockCheck {
  readonly path: string;
  /** The lock's changes, one line each (`table db.t: added a; ...`); empty when the lock is current. */
  readonly changes: string[];
  /** Writes the config's tables to the lock (after a successful synth); undefined when the lock is current. */
  readonly save?: () => void;
}

/** What a synth says after saving the lock. */
export function schemaLockNotice(check: SchemaLockCheck): string | undefined {
  if (!check.save) return undefined;
  return `Schema lock ${check.path} ${check.changes[0] === CREATED ? 'created' : 'updated'}; commit it with the config:\n${check.changes.map((l) => `  ${l}`).join('\n')}`;
}

const CREATED = 'every catalog table locked as declared';

/** The lock's content for a config: every catalog table's columns and partition keys, in lakeTables order. */
export function lockedTables(config: PipelineConfig): TableSchema[] {
  return lakeTables(config).map((t) => ({ database: t.database, name: t.name, columns: t.columns, partitionKeys: t.partitionKeys }));
}

/** One column a line, so that a change reads as a one-line diff in review (and Prettier leaves the file as it is). */
function lockText(tables: TableSchema[]): string {
  const inline = (value: object) =>
    `{ ${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`)
      .join(', ')} }`;
  const table = (t: TableSchema) =>
    [
      '    {',
      `      "database": ${JSON.stringify(t.database)},`,
      `      "name": ${JSON.stringify(t.name)},`,
      `      "partitionKeys": [${t.partitionKeys.map((k) => JSON.stringify(k)).join(', ')}],`,
      '      "columns": [',
      t.columns.map((c) => `        ${inline(c)}`).join(',\n'),
      '      ]',
      '    }',
    ].join('\n');
  return `{\n  "tables": [\n${tables.map(table).join(',\n')}\n  ]\n}\n`;
}

function readLock(path: string): TableSchema[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new SchemaLockError(path, `not readable JSON (${(err as Error).message})`);
  }
  const parsed = LockFile.safeParse(raw);
  if (!parsed.success) throw new SchemaLockError(path, z.prettifyError(parsed.error).replace(/\n/g, '; '));
  return parsed.data.tables;
}

/**
 * Compares the config's catalog tables with the lock at `path`. An incompatible change throws
 * SchemaChangesRejectedError (every one named) unless `accept`; any other change (or no lock) is returned
 * with `save`, which creates or rewrites the lock: `cdk synth` calls it once the templates are written.
 */
export function checkSchemaLock(config: PipelineConfig, path: string, options: { accept: boolean }): SchemaLockCheck {
  const next = lockedTables(config);
  const text = lockText(next);
  const save = () => writeFileSync(path, text);
  if (!existsSync(path)) return { path, changes: [CREATED], save };
  const previous = readLock(path);
  const evolutions = compareLakeSchemas(previous, next);
  const incompatible = evolutions.flatMap((e) => e.incompatible);
  if (incompatible.length > 0 && !options.accept)
    throw new SchemaChangesRejectedError(
      incompatible,
      `the schema lock ${path}`,
      `If the break is intended (the old partitions will be deleted or rewritten by a backfill), synth with ` +
        `-c ${ACCEPT_SCHEMA_CHANGES_CONTEXT_KEY}=true: the tables and the lock take the new types (see docs/operations.md, "Schema changes").`,
    );
  if (readFileSync(path, 'utf8') === text) return { path, changes: [] };
  const ids = (tables: TableSchema[]) => new Set(tables.map((t) => `${t.database}.${t.name}`));
  const [before, after] = [ids(previous), ids(next)];
  const changes = [
    ...evolutions.map(describeEvolution),
    ...[...after].filter((t) => !before.has(t)).map((t) => `table ${t}: new`),
    ...[...before].filter((t) => !after.has(t)).map((t) => `table ${t}: no longer declared`),
  ];
  return { path, changes: changes.length > 0 ? changes : ['column order or details'], save };
}
