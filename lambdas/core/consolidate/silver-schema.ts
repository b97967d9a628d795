// Checks the silver files a consolidation reads against what it needs of them, naming the file: a key,
// decision or required column missing, or a declared column with another type. A column that is absent
// is otherwise read as all-null, which is right for an optional field added after the file was written
// and silently wrong for a column that decides which row wins.
import { findSource, type ConsolidationConfig } from '../config.js';
import { typeName } from '../columnar/schema.js';
import type { TableColumn } from '../columnar/types.js';
import { fieldColumns } from '../lake/tables.js';
import { SilverFileSchemaError } from './errors.js';
import type { ConsolidateTableDeps } from './types.js';

/**
 * Throws SilverFileSchemaError for the first file (in order) with a missing needed column or a column of
 * another type than its source declares. `tables[i]` holds the columns read from the silver object `files[i].key`.
 */
export function requireSilverColumns(
  deps: Pick<ConsolidateTableDeps, 'config' | 'silver'>,
  consolidation: ConsolidationConfig,
  tables: readonly { origem: string; columns: readonly TableColumn[] }[],
  files: readonly { key: string }[],
): void {
  const { config } = deps;
  const table = `${consolidation.database}.${consolidation.tabela_consolidada}`;
  const decisions = new Set(consolidation.campos_decisao.map((d) => d.campo));
  tables.forEach(({ origem, columns }, i) => {
    const file = files[i] ? deps.silver.uri(files[i].key) : `file ${i + 1} of origin ${origem}`;
    const source = findSource(config, origem);
    const present = new Map(columns.map((c) => [c.name, c]));
    const required = new Set(source.fields.filter((f) => f.required).map((f) => f.name));
    for (const declared of fieldColumns(source)) {
      const found = present.get(declared.name);
      const role = consolidation.chaves_principais.includes(declared.name)
        ? 'a key column (chaves_principais)'
        : decisions.has(declared.name)
          ? 'a decision field (campos_decisao)'
          : required.has(declared.name)
            ? `a required field of source "${origem}"`
            : undefined;
      if (!found && role) throw new SilverFileSchemaError(file, origem, declared.name, `is missing; it is ${role}`, table);
      if (found && typeName(found) !== typeName(declared))
        throw new SilverFileSchemaError(
          file,
          origem,
          declared.name,
          `is ${typeName(found)}, but source "${origem}" declares it ${typeName(declared)}`,
          table,
        );
    }
  });
}
