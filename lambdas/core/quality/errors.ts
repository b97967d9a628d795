// Errors of the data-quality expectations on silver and gold partitions.
import { PermanentError } from '../errors.js';

/** Which table an expectation checks: a source's silver partitions, or a consolidation's gold partitions (`db.tabela`). */
export interface CheckedTable {
  layer: 'silver' | 'gold';
  name: string;
}

/** `Source sor` or `Gold table db_batch.tbl_x`: a checked table as messages name it. */
export function checkedTableLabel(table: CheckedTable): string {
  return table.layer === 'silver' ? `Source ${table.name}` : `Gold table ${table.name}`;
}

/** What a partition that failed its checks still has: silver keeps its bronze, gold its silver and published version. */
const KEPT: Record<CheckedTable['layer'], string> = {
  silver: 'its bronze is kept: fix the data at its source',
  gold: 'its silver and the version published before are kept: fix the data in silver (or at its source)',
};

/** An expectation with `action: fail` that did not hold on a partition: nothing of that partition was published. */
export class ExpectationFailedError extends PermanentError {
  /** The source, or the gold table as `database.tabela`. */
  readonly source: string;
  readonly layer: CheckedTable['layer'];
  constructor(
    table: CheckedTable,
    readonly anomesdia: string,
    /** The expectations' results (expectations.ts's ExpectationResult), the first named in the message. */
    readonly failed: readonly { expectation: string; rule: string; rows_checked: number; rows_failed: number; detail?: string }[],
  ) {
    const first = failed[0]!;
    const more =
      failed.length > 1
        ? ` (and ${failed
            .slice(1)
            .map((r) => `"${r.expectation}"`)
            .join(', ')}, also action fail)`
        : '';
    super(
      'ExpectationFailedError',
      `${checkedTableLabel(table)}, anomesdia ${anomesdia}: expectation "${first.expectation}" (${first.rule}, action fail) failed ${outcomeText(first)}${more}. ` +
        `Nothing was published for this partition and ${KEPT[table.layer]}, or the expectation ` +
        '(or set its action to warn or drop), then rerun the window.',
    );
    this.source = table.name;
    this.layer = table.layer;
  }
}

/** An expectation's bound or value that its field's type cannot hold (a decimal with more places than its scale, a bad date). */
export class ExpectationConfigError extends PermanentError {
  readonly source: string;
  constructor(
    table: CheckedTable,
    readonly path: string,
    detail: string,
  ) {
    super(
      'ExpectationConfigError',
      `${checkedTableLabel(table)}: ${path} cannot be compared with its field (${detail}); write it as the field's type reads it and run again.`,
    );
    this.source = table.name;
  }
}

/** How an expectation failed, for people: `on 3 of 120 row(s)`, or a partition rule's finding in parentheses. */
export function outcomeText(r: { rows_checked: number; rows_failed: number; detail?: string }): string {
  return r.detail !== undefined ? `(${r.detail})` : `on ${r.rows_failed} of ${r.rows_checked} row(s)`;
}
