// Errors of the data-quality expectations on silver.
import { PermanentError } from '../errors.js';

/** An expectation with `action: fail` that did not hold on a partition: refine published nothing for it. */
export class ExpectationFailedError extends PermanentError {
  constructor(
    readonly source: string,
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
      `Source ${source}, anomesdia ${anomesdia}: expectation "${first.expectation}" (${first.rule}, action fail) failed ${outcomeText(first)}${more}. ` +
        'Nothing was published for this partition and its bronze is kept: fix the data at its source, or the expectation ' +
        '(or set its action to warn or drop), then rerun the window.',
    );
  }
}

/** An expectation's bound or value that its field's type cannot hold (a decimal with more places than its scale, a bad date). */
export class ExpectationConfigError extends PermanentError {
  constructor(
    readonly source: string,
    readonly path: string,
    detail: string,
  ) {
    super(
      'ExpectationConfigError',
      `Source ${source}: ${path} cannot be compared with its field (${detail}); write it as the field's type reads it and run again.`,
    );
  }
}

/** How an expectation failed, for people: `on 3 of 120 row(s)`, or a partition rule's finding in parentheses. */
export function outcomeText(r: { rows_checked: number; rows_failed: number; detail?: string }): string {
  return r.detail !== undefined ? `(${r.detail})` : `on ${r.rows_failed} of ${r.rows_checked} row(s)`;
}
