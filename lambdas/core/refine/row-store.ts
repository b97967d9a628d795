// The valid rows of one silver partition, held column by column: numbers (integers, decimals, dates,
// timestamps, booleans) in typed arrays with a presence byte, strings in one array per field, lineage
// beside them. A million rows cost a few dozen arrays, not a million row arrays and boxed numbers that
// the garbage collector would copy from generation to generation.
import type { FieldConfig } from '../config.js';
import type { FlatColumnData, NumericColumn } from '../columnar/types.js';
import type { PlainValue } from './coerce.js';

export class RowStore {
  length = 0;
  private capacity: number;
  private readonly numbers: (Float64Array | undefined)[];
  private readonly present: (Uint8Array | undefined)[];
  private readonly strings: ((string | null)[] | undefined)[];
  private readonly booleans: boolean[];
  /** Per row: the content hash of its bronze record, when it was ingested, the run that ingested it. */
  readonly contentHashes: string[] = [];
  private ingestedAt: Float64Array;
  private runs: Uint32Array;
  private readonly runNames: string[] = [];
  private readonly runIndex = new Map<string, number>();
  /** Per row: the hash of its values that finds duplicates. */
  private valueHashes: Float64Array;

  constructor(fields: readonly FieldConfig[], capacity = 4096) {
    this.capacity = Math.max(16, capacity);
    // A json field holds its JSON text, as a string field does.
    const text = fields.map((f) => f.type === 'string' || f.type === 'json');
    this.numbers = text.map((t) => (t ? undefined : new Float64Array(this.capacity)));
    this.present = text.map((t) => (t ? undefined : new Uint8Array(this.capacity)));
    this.strings = text.map((t) => (t ? [] : undefined));
    this.booleans = fields.map((f) => f.type === 'boolean');
    this.ingestedAt = new Float64Array(this.capacity);
    this.runs = new Uint32Array(this.capacity);
    this.valueHashes = new Float64Array(this.capacity);
  }

  /** Appends a row (the declared fields' values, in field order) and returns its index. */
  append(values: readonly PlainValue[], valueHash: number, contentHash: string, ingestedAt: number, runId: string): number {
    const at = this.length;
    if (at === this.capacity) this.grow();
    for (let j = 0; j < values.length; j++) {
      const v = values[j]!;
      const strings = this.strings[j];
      if (strings !== undefined) {
        strings.push(v as string | null);
        continue;
      }
      const present = this.present[j]!;
      if (v === null) present[at] = 0;
      else {
        present[at] = 1;
        this.numbers[j]![at] = typeof v === 'boolean' ? (v ? 1 : 0) : (v as number);
      }
    }
    this.contentHashes.push(contentHash);
    this.ingestedAt[at] = ingestedAt;
    let run = this.runIndex.get(runId);
    if (run === undefined) this.runIndex.set(runId, (run = this.runNames.push(runId) - 1));
    this.runs[at] = run;
    this.valueHashes[at] = valueHash;
    this.length = at + 1;
    return at;
  }

  /** Drops the last row appended. */
  pop(): void {
    if (this.length === 0) return;
    this.length--;
    for (const strings of this.strings) strings?.pop();
    this.contentHashes.pop();
  }

  valueHash(row: number): number {
    return this.valueHashes[row]!;
  }

  ingestedAtOf(row: number): number {
    return this.ingestedAt[row]!;
  }

  /** Whether rows a and b are equal in every declared field. */
  sameValues(a: number, b: number): boolean {
    for (let j = 0; j < this.numbers.length; j++) {
      const strings = this.strings[j];
      if (strings !== undefined) {
        if (strings[a] !== strings[b]) return false;
        continue;
      }
      const present = this.present[j]!;
      if (present[a] !== present[b]) return false;
      if (present[a] === 1 && this.numbers[j]![a] !== this.numbers[j]![b]) return false;
    }
    return true;
  }

  /** Field j of a row as a sort key: a number, a string, or null. */
  sortKey(j: number): (row: number) => number | string | null {
    const strings = this.strings[j];
    if (strings !== undefined) return (row) => strings[row]!;
    const numbers = this.numbers[j]!;
    const present = this.present[j]!;
    return (row) => (present[row] === 1 ? numbers[row]! : null);
  }

  /** Field j of the rows at `order`, in the form the flat Parquet writer takes. */
  fieldColumn(j: number, order: Uint32Array): FlatColumnData {
    const strings = this.strings[j];
    if (strings !== undefined) return pick(strings, order);
    const numbers = this.numbers[j]!;
    const present = this.present[j]!;
    const out: NumericColumn = { numbers: new Float64Array(order.length), present: new Uint8Array(order.length) };
    for (let r = 0; r < order.length; r++) {
      const i = order[r]!;
      out.numbers[r] = numbers[i]!;
      out.present[r] = present[i]!;
    }
    return out;
  }

  /** A lineage column of the rows at `order`. */
  lineageColumn(name: '_content_hash' | '_ingested_at' | '_run_id', order: Uint32Array): FlatColumnData {
    if (name === '_content_hash') return pick(this.contentHashes, order);
    if (name === '_run_id') {
      const out = new Array<string>(order.length);
      for (let r = 0; r < order.length; r++) out[r] = this.runNames[this.runs[order[r]!]!]!;
      return out;
    }
    const out: NumericColumn = { numbers: new Float64Array(order.length), present: new Uint8Array(order.length).fill(1) };
    for (let r = 0; r < order.length; r++) out.numbers[r] = this.ingestedAt[order[r]!]!;
    return out;
  }

  /** Row `row` as plain values (booleans as booleans), for tests and messages. */
  row(row: number): PlainValue[] {
    return this.numbers.map((numbers, j) => {
      const strings = this.strings[j];
      if (strings !== undefined) return strings[row]!;
      if (this.present[j]![row] === 0) return null;
      return this.booleans[j] ? numbers![row] === 1 : numbers![row]!;
    });
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const grown = <T extends Float64Array | Uint8Array | Uint32Array>(a: T): T => {
      const next = new (a.constructor as new (n: number) => T)(capacity);
      next.set(a);
      return next;
    };
    for (let j = 0; j < this.numbers.length; j++) {
      if (this.numbers[j]) this.numbers[j] = grown(this.numbers[j]!);
      if (this.present[j]) this.present[j] = grown(this.present[j]!);
    }
    this.ingestedAt = grown(this.ingestedAt);
    this.runs = grown(this.runs);
    this.valueHashes = grown(this.valueHashes);
    this.capacity = capacity;
  }
}

function pick<T>(values: readonly T[], order: Uint32Array): T[] {
  const out = new Array<T>(order.length);
  for (let r = 0; r < order.length; r++) out[r] = values[order[r]!]!;
  return out;
}
