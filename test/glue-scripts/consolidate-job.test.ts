import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const scripts = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'glue-scripts');
const spec = {
  version: 1,
  run_id: 'run-1',
  sql: 'SELECT 1',
  counts_sql: 'SELECT 1 AS rows_read, 0 AS rows_invalid',
  quarantine_sql: 'SELECT 1',
  quarantine_location: 's3://gold/_quarantine/db_batch/tbl_x/anomesdia=20240119/run=run-1/',
  database: 'db_batch',
  tabela_consolidada: 'tbl_x',
  anomesdia: '20240119',
  output_location: 's3://gold/db_batch/tbl_x/anomesdia=20240119/run=run-1/',
  columns: ['num_oper', 'origem'],
};

/** Runs Python code with the job module imported as `job`; returns stdout or throws with stderr. */
function python(code: string): string {
  const out = spawnSync('python3', ['-c', `import sys, json\nsys.path.insert(0, ${JSON.stringify(scripts)})\nimport consolidate_job as job\n${code}`], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(out.stderr);
  return out.stdout.trim();
}

const specError = (value: unknown) =>
  python(`try:\n    job.validate_spec(json.loads(${JSON.stringify(JSON.stringify(value))}))\n    print('valid')\nexcept job.SpecError as e:\n    print(e)`);

describe('glue-scripts/consolidate_job.py', () => {
  it('compiles', () => {
    const out = spawnSync('python3', ['-m', 'py_compile', join(scripts, 'consolidate_job.py')], { encoding: 'utf8' });
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
  });

  it('loads without pyspark or boto3 and reads --spec_uri from the Glue arguments', () => {
    expect(JSON.parse(python("print(json.dumps(job.parse_args(['--JOB_NAME', 'consolidate', '--spec_uri', 's3://gold/_glue-specs/a.json', '--enable-metrics'])))"))).toEqual({
      spec_uri: 's3://gold/_glue-specs/a.json',
      JOB_NAME: 'consolidate',
    });
    expect(python("print(job.parse_args(['--spec_uri=s3://b/k.json'])['spec_uri'])")).toBe('s3://b/k.json');
    expect(python("try:\n    job.parse_args(['--JOB_NAME', 'x'])\nexcept job.SpecError as e:\n    print(e)")).toContain('missing job argument --spec_uri');
    expect(python("try:\n    job.parse_args(['--spec_uri', 'gold/k.json'])\nexcept job.SpecError as e:\n    print(e)")).toContain("not an s3:// URI: 'gold/k.json'");
  });

  it('accepts the spec the TypeScript side writes and names the wrong field otherwise', () => {
    expect(specError(spec)).toBe('valid');
    expect(specError({ ...spec, version: 2 })).toContain('spec.version must be 1');
    expect(specError({ ...spec, sql: '' })).toContain('spec.sql must be a non-empty string');
    expect(specError({ ...spec, anomesdia: '2024-01-19' })).toContain('spec.anomesdia must be yyyymmdd');
    expect(specError({ ...spec, output_location: 's3://gold/x' })).toContain("must be a folder ending in '/'");
    expect(specError({ ...spec, quarantine_location: 'gold/q/' })).toContain("not an s3:// URI: 'gold/q/'");
    expect(specError({ ...spec, columns: ['num_oper'] })).toContain("spec.columns must end with 'origem'");
  });

  it('pins what the Lambda reads back: TIMESTAMP_MICROS (not Spark\'s INT96 default), proleptic Gregorian dates, UTC', () => {
    expect(JSON.parse(python('print(json.dumps(job.SPARK_CONF))'))).toEqual({
      'spark.sql.parquet.outputTimestampType': 'TIMESTAMP_MICROS',
      'spark.sql.parquet.datetimeRebaseModeInWrite': 'CORRECTED',
      'spark.sql.parquet.int96RebaseModeInWrite': 'CORRECTED',
      'spark.sql.parquet.datetimeRebaseModeInRead': 'CORRECTED',
      'spark.sql.parquet.int96RebaseModeInRead': 'CORRECTED',
      'spark.sql.session.timeZone': 'UTC',
      'spark.sql.parquet.writeLegacyFormat': 'false',
    });
    // Set on the session before any read or write.
    const source = readFileSync(join(scripts, 'consolidate_job.py'), 'utf8');
    const main = source.slice(source.indexOf('def main('));
    expect(main.indexOf('spark.conf.set(key, value)')).toBeGreaterThan(0);
    expect(main.indexOf('spark.conf.set(key, value)')).toBeLessThan(main.indexOf('spark.sql('));
  });

  it('writes quarantine lines in the shape the Lambda writes: origem, reason, then the row with every gold column, nulls kept', () => {
    const withColumns = { ...spec, columns: ['num_oper', 'dat`a', 'origem'] };
    expect(JSON.parse(python(`print(json.dumps(job.quarantine_columns(${JSON.stringify(withColumns)})))`))).toEqual([
      '`origem`',
      '`reason`',
      'struct(`num_oper`, `dat``a`) AS `row`',
    ]);
    expect(JSON.parse(python('print(json.dumps(job.QUARANTINE_JSON_OPTIONS))'))).toEqual({
      ignoreNullFields: 'false',
      timestampFormat: "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX",
      dateFormat: 'yyyy-MM-dd',
      compression: 'none',
    });
  });

  it('writes longs and decimals of a quarantine line as exact text, as the Lambda does', () => {
    const withColumns = { ...spec, columns: ['num_oper', 'vlr_oper', 'seq', 'dat_vlr_even_oper', 'origem'] };
    const types = { num_oper: 'string', vlr_oper: 'decimal(38,10)', seq: 'bigint', dat_vlr_even_oper: 'timestamp' };
    expect(JSON.parse(python(`print(json.dumps(job.quarantine_columns(${JSON.stringify(withColumns)}, ${JSON.stringify(types)})))`))).toEqual([
      '`origem`',
      '`reason`',
      'struct(`num_oper`, CAST(`vlr_oper` AS STRING) AS `vlr_oper`, CAST(`seq` AS STRING) AS `seq`, `dat_vlr_even_oper`) AS `row`',
    ]);
  });

  it('writes the summary the Lambda reads', () => {
    expect(JSON.parse(python('print(job.summary(10, 7, 1))'))).toEqual({ rows_read: 10, rows_written: 7, rows_invalid: 1 });
  });
});
