// Where bronze objects live. Ingest writes these keys; Refine reads them through the hash indexes.

/** Run ids become key segments, so they are kept to characters every object store takes as-is. */
export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const bronzeKeys = {
  partitionPrefix: (source: string, anomesdia: string) => `source=${source}/anomesdia=${anomesdia}/`,
  runPrefix: (source: string, anomesdia: string, runId: string) => `source=${source}/anomesdia=${anomesdia}/run=${runId}/`,
  part: (source: string, anomesdia: string, runId: string, n: number) =>
    `source=${source}/anomesdia=${anomesdia}/run=${runId}/part-${pad5(n)}.ndjson.gz`,
  /** Hash indexes of a partition: each commits the parts one ingestion attempt wrote there. */
  indexPrefix: (source: string, anomesdia: string) => `source=${source}/anomesdia=${anomesdia}/_hashes/`,
  index: (source: string, anomesdia: string, runId: string, firstPart: number) =>
    `source=${source}/anomesdia=${anomesdia}/_hashes/run=${runId}/from-part-${pad5(firstPart)}.bin`,
  manifestPrefix: (source: string) => `source=${source}/_manifests/`,
  /** The first attempt of a run writes `run=<id>.json`; a rerun of the same run id `run=<id>.attempt-<n>.json`. */
  manifest: (source: string, runId: string, attempt: number) =>
    `source=${source}/_manifests/run=${runId}${attempt > 1 ? `.attempt-${attempt}` : ''}.json`,
};

export const fileDropKeys = {
  pending: (source: string) => `pending/${source}/`,
  done: (source: string, name: string) => `done/${source}/${name}`,
  error: (source: string, name: string) => `error/${source}/${name}`,
};

function pad5(n: number): string {
  return String(n).padStart(5, '0');
}

const PART = /\/part-(\d+)\.ndjson\.gz$/;

/** The part number of a bronze part key, or undefined for another key. */
export function partNumber(key: string): number | undefined {
  const m = PART.exec(key);
  return m ? Number(m[1]) : undefined;
}
