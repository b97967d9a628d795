// The GoldStateEngine port in AWS: the statements run in Athena, which changes the Iceberg tables in place.
import type { GoldStateEngine, RunSql, StateTable } from '../../ports/gold-state.js';
import type { QueryEngine } from '../../ports/query-engine.js';

export class AthenaGoldStateEngine implements GoldStateEngine {
  readonly dialect = 'athena' as const;

  constructor(private readonly athena: QueryEngine) {}

  withTables<T>(_tables: readonly StateTable[], work: (sql: RunSql) => Promise<T>): Promise<T> {
    return work((sql) => this.athena.query(sql));
  }
}
