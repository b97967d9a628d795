// DuckDB for tests: an instance per describe block, and result rows in the pipeline's cell forms, so that they compare with the engine's exactly:
// decimals as unscaled bigints, timestamps as epoch microseconds (the JS defaults are a double and a Date).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import {
  type DuckDBConnection,
  DuckDBDecimalValue,
  DuckDBInstance,
  DuckDBTimestampValue,
  DuckDBTypeId,
  JSDuckDBValueConverter,
  type DuckDBResultReader,
  type DuckDBValueConverter,
  type JS,
} from '@duckdb/node-api';

const exact: DuckDBValueConverter<JS> = (value, type, converter) => {
  if (value instanceof DuckDBDecimalValue) return value.value;
  if (value instanceof DuckDBTimestampValue && type.typeId === DuckDBTypeId.TIMESTAMP) return Number(value.micros);
  return JSDuckDBValueConverter(value, type, converter);
};

export function exactRows(reader: DuckDBResultReader): Record<string, unknown>[] {
  return reader.convertRowObjects(exact);
}

/**
 * An in-memory DuckDB and a temp folder for the describe block it is called in: opened before the block's tests,
 * closed and removed after them. Read `conn` and `dir` inside the tests (they exist once the block starts).
 */
export function duckDbForBlock(prefix: string): { readonly conn: DuckDBConnection; readonly dir: string } {
  let db: DuckDBInstance | undefined;
  let conn: DuckDBConnection | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
    db = await DuckDBInstance.create(':memory:');
    conn = await db.connect();
  });
  afterAll(async () => {
    conn?.closeSync();
    db?.closeSync();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return {
    get conn() {
      return conn!;
    },
    get dir() {
      return dir!;
    },
  };
}
