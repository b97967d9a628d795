// sqlglot (Debian's python3-sqlglot, a 10.x parser of Trino, Hive and Spark SQL) as an independent check of the
// SQL the pipeline sends to Athena and Glue, which no engine here runs: installed from Debian when absent (as
// root; else the error says how), then every statement parsed in one Python process.
import { spawnSync } from 'node:child_process';

export interface SqlStatement {
  /** What the statement is, for the failure message. */
  name: string;
  /** sqlglot's dialect: trino (Athena's DML and queries), hive (Athena's DDL), spark (the Glue job). */
  dialect: 'trino' | 'hive' | 'spark';
  sql: string;
}

const PYTHON = '/usr/bin/python3';

const PARSE = `
import json, sys
import sqlglot
from sqlglot.errors import ErrorLevel
out = []
for s in json.load(sys.stdin):
    try:
        trees = sqlglot.parse(s["sql"], read=s["dialect"], error_level=ErrorLevel.RAISE)
        out.append({"name": s["name"], "kinds": [type(t).__name__ for t in trees if t is not None]})
    except Exception as e:
        out.append({"name": s["name"], "error": str(e)[:600]})
print(json.dumps({"version": sqlglot.__version__, "results": out}))
`;

function hasSqlglot(): boolean {
  return spawnSync(PYTHON, ['-c', 'import sqlglot'], { stdio: 'ignore' }).status === 0;
}

/** Makes sure sqlglot can be imported: installs python3-sqlglot with apt-get when it cannot and this runs as root. */
export function ensureSqlglot(): void {
  if (hasSqlglot()) return;
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'python3-sqlglot'], {
      encoding: 'utf8',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  if (process.getuid?.() === 0) {
    let run = install();
    // A machine whose package lists are stale or absent: refresh them once.
    if (run.status !== 0) {
      spawnSync('apt-get', ['update', '-q'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
      run = install();
    }
    if (hasSqlglot()) return;
    throw new Error(`apt-get install python3-sqlglot failed (exit ${run.status}): ${(run.stderr || run.stdout || '').slice(-800)}`);
  }
  throw new Error(
    `The SQL syntax tests need sqlglot for ${PYTHON}: run \`sudo apt-get install python3-sqlglot\` (Debian's package) and run them again.`,
  );
}

/** Each statement parsed by sqlglot: the kinds of statement it read, or its error. */
export function parseWithSqlglot(statements: readonly SqlStatement[]): {
  version: string;
  results: { name: string; kinds?: string[]; error?: string }[];
} {
  const run = spawnSync(PYTHON, ['-c', PARSE], { input: JSON.stringify(statements), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`sqlglot did not run (exit ${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout) as { version: string; results: { name: string; kinds?: string[]; error?: string }[] };
}
