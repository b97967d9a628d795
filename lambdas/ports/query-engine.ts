// The QueryEngine port: SQL over the lake's tables by their catalog names (Athena in AWS, DuckDB locally).
export type QueryRow = Record<string, unknown>;

export interface QueryEngine {
  query(sql: string): Promise<QueryRow[]>;
}
