// itemSizeUpperBound against the sizes AWS's DynamoDB Local 1.25.1 and dynalite charge for each case, measured
// live (the longest padding with which PutItem still succeeds), and the congregado store at the config's maxima.
// The table of sizes once measured by hand on DynamoDB Local is gone: each run now measures them exactly.
import { NumberValue } from '@aws-sdk/lib-dynamodb';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DynamoCongregadoStore } from '../../../lambdas/adapters/aws/dynamodb-congregado-store.js';
import { DYNAMODB_MAX_ITEM_BYTES, fitsInOneItem, itemSizeUpperBound, numberSize } from '../../../lambdas/adapters/aws/item-size.js';
import { FsObjectStore } from '../../../lambdas/adapters/local/fs-object-store.js';
import { InvariantError } from '../../../lambdas/core/errors.js';
import { congregadoItemBudget } from '../../../lambdas/steps/runtime.js';
import { parsePipelineConfig } from '../../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../../lambdas/core/default-config.js';
import type { TestDynamo } from '../../support/dynalite.js';
import { STATE_EMULATORS, useEmulator } from '../../support/dynamodb-local.js';
import { tempStoreForBlock } from '../../support/temp-store.js';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';

type Item = Record<string, unknown>;

interface Case {
  name: string;
  rest: Item;
  /** lib-dynamodb's allowImpreciseNumbers, for JS numbers beyond 2^53 */
  imprecise?: boolean;
  /** how much the estimate may exceed the measured size (0 = exact) */
  slack?: number;
  /** holds non-ASCII text, which dynalite counts in UTF-16 units: it charges less than DynamoDB */
  text?: true;
  /** bytes dynalite charges beyond DynamoDB (its rule for numbers of 38 digits and an odd exponent) */
  dynaliteExtra?: number;
}

/** rows x 80 copies of v: the shape of a batch of 80-column rows stored in one item */
const grid = (v: unknown, rows = 100): Item => ({ rows: Array.from({ length: rows }, () => Array.from({ length: 80 }, () => v)) });

const CASES: Case[] = [
  { name: 'key only', rest: {} },
  { name: '1000 x 80 of -1.5', rest: grid(-1.5, 1000) },
  { name: '1000 x 80 of 0', rest: grid(0, 1000) },
  { name: '700 x 80 of 1234567.5 (1000 rows would be 564,007 bytes)', rest: grid(1234567.5, 700) },
  ...[-1, 1, 12, 123, 0.1, 100, -0.000123, 1.5e-10, -0.5, 3.141592653589793, -2.718281828459045, -Number.MAX_SAFE_INTEGER, -1e-7].map(
    (v): Case => ({ name: `100 x 80 of ${String(v)}`, rest: grid(v) }),
  ),
  { name: '100 x 80 of 1e20 (allowImpreciseNumbers)', rest: grid(1e20), imprecise: true },
  { name: '100 x 80 of 1e21, sent as "1e+21"', rest: grid(1e21), imprecise: true },
  { name: '100 x 80 of 123456789012345678 (JS number)', rest: grid(Number('123456789012345678')), imprecise: true },
  { name: '100 x 80 of -123456789012345678n (bigint)', rest: grid(-123456789012345678n) },
  { name: '100 x 80 of NumberValue, 38 digits', rest: grid(NumberValue.from('-12345678901234567890123456789012345678')) },
  {
    name: '100 x 80 of NumberValue, 38 digits, odd exponent',
    rest: grid(NumberValue.from('-1234567890123456789012345678901234567.8')),
    dynaliteExtra: 8000,
  },
  { name: '1000 top-level attributes of -1.5', rest: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`n${i}`, -1.5])) },
  { name: 'number set', rest: { ns: new Set(Array.from({ length: 5000 }, (_, i) => i * 7 - 15_000)) } },
  { name: "'é' x 150,000", rest: { s: 'é'.repeat(150_000) }, text: true },
  { name: "'😀' x 80,000", rest: { s: '😀'.repeat(80_000) }, text: true },
  { name: "'中' x 100,000", rest: { s: '中'.repeat(100_000) }, text: true },
  { name: 'non-ASCII attribute names', rest: Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`clé😀${i}`, 'ü'])), text: true },
  // A lone surrogate is 3 bytes (U+FFFD) in Node's UTF-8 but 1 byte ('?') in Java's.
  { name: 'lone surrogates', rest: { s: '\ud800'.repeat(1000) }, slack: 2000, text: true },
  { name: 'list of maps', rest: { l: Array.from({ length: 3000 }, () => ({ a: 1, b: 'x', c: [true, null], d: {} })) } },
  { name: 'nested 30 levels', rest: { d: nest(30) }, text: true },
  { name: 'empty containers and values', rest: { m: {}, l: [], s: '', b: new Uint8Array(0), ll: [[], {}, ''] } },
  { name: 'Map instance', rest: { m: new Map(Array.from({ length: 2000 }, (_, i) => [`k${i}`, i % 2 === 0])) } },
  { name: 'binary and binary set', rest: { b: new Uint8Array(200_000), bs: new Set([new Uint8Array(10), Buffer.alloc(20, 1)]) } },
  { name: 'string set', rest: { ss: new Set(['é', 'a', '😀']) }, text: true },
  { name: 'undefined values are dropped', rest: { a: undefined, m: { x: undefined, y: 1 }, l: [undefined, 2] } },
  { name: 'booleans and nulls', rest: { l: Array.from({ length: 20_000 }, (_, i) => (i % 3 ? i % 2 === 0 : null)) } },
];

function nest(levels: number): unknown {
  let v: unknown = { leaf: 'x', n: -1.5 };
  for (let i = 0; i < levels; i++) v = i % 2 ? { m: v, s: 'é' } : [v, 1, null];
  return v;
}

describe('numberSize', () => {
  it.each([
    ['0', 1],
    ['-0.000', 1],
    ['1', 2],
    ['-1', 3],
    ['12', 2],
    ['123', 3],
    ['-1.5', 4],
    ['1234567.5', 6],
    ['0.1', 2],
    ['0.01', 2],
    ['100', 2],
    ['1e+21', 2],
    ['1.5e-10', 3],
    ['-0.000123', 4],
    ['12345678901234567890123456789012345678', 20],
    ['-12345678901234567890123456789012345678', 21],
    ['1234567890123456789012345678901234567.8', 21],
    ['-1234567890123456789012345678901234567.8', 21], // 20 digit bytes: no terminator byte
  ])('%s takes %i bytes', (n, bytes) => {
    expect(numberSize(n)).toBe(bytes);
  });
});

describe('itemSizeUpperBound without DynamoDB', () => {
  it('follows the marshaller', () => {
    expect(itemSizeUpperBound({ a: undefined, f: () => 1, s: 'é' })).toBe(1 + 2);
    expect(itemSizeUpperBound({ l: [undefined, 1] })).toBe(1 + 3 + 1 + 2);
    expect(itemSizeUpperBound({ s: '' }, { convertEmptyValues: true })).toBe(2);
    expect(() => itemSizeUpperBound({ n: Number.NaN })).toThrow(InvariantError);
    expect(() => itemSizeUpperBound({ s: new Set() })).toThrow(InvariantError);
    expect(fitsInOneItem({ s: 'x'.repeat(DYNAMODB_MAX_ITEM_BYTES - 1) })).toBe(true);
    expect(fitsInOneItem({ s: 'x'.repeat(DYNAMODB_MAX_ITEM_BYTES) })).toBe(false);
  });
});

/** What an item of the key and an empty padding costs: `id`, `k`, `pad`. */
const BASE = itemSizeUpperBound({ id: 'k', pad: '' });

/**
 * Whether the emulator charges at most `size` bytes for `rest`: it accepts { id: 'k', ...rest, pad } with the
 * padding that leaves exactly `size` bytes of the 409,600 for `rest`. Two calls, at s and s - 1, measure a size.
 */
async function chargesAtMost(doc: DynamoDBDocumentClient, table: string, rest: Item, size: number): Promise<boolean> {
  try {
    await doc.send(
      new PutCommand({ TableName: table, Item: { id: 'k', ...rest, pad: 'x'.repeat(DYNAMODB_MAX_ITEM_BYTES - BASE - size) } }),
    );
    return true;
  } catch (err) {
    if ((err as Error).name === 'ValidationException' && /size/i.test((err as Error).message)) return false;
    throw err;
  }
}

describe.each(STATE_EMULATORS)('on $name', (emulator) => {
  let dynamo: TestDynamo;
  let imprecise: DynamoDBDocumentClient;
  let dir: string;
  useEmulator(emulator, (started) => {
    dynamo = started;
    imprecise = DynamoDBDocumentClient.from(dynamo.client, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true, allowImpreciseNumbers: true },
    });
  });
  tempStoreForBlock((temp) => (dir = temp.root), 'item-size');

  it.each(CASES.map((c) => [c.name, c] as const))('itemSizeUpperBound against what it charges for %s', async (_name, c) => {
    const estimate = itemSizeUpperBound(c.rest);
    const atMost = (size: number) => chargesAtMost(c.imprecise ? imprecise : dynamo.doc, dynamo.tables.congregado, c.rest, size);
    if (emulator.name === 'dynalite') {
      const charged = estimate + (c.dynaliteExtra ?? 0);
      expect(await atMost(charged), 'dynalite charges at most the estimate').toBe(true);
      expect(await atMost(charged - 1), 'dynalite charges exactly the estimate').toBe(c.text ?? false);
    } else {
      // DynamoDB Local counts as DynamoDB does: the estimate is an upper bound, exact but for the declared slack.
      expect(await atMost(estimate), 'the estimate is an upper bound').toBe(true);
      if (estimate > 0) expect(await atMost(estimate - (c.slack ?? 0) - 1), 'the estimate is tight').toBe(false);
    }
  });

  it('accepts every item the estimate says fits, padded to the limit', async () => {
    for (const rest of [grid(-1.5, 100), grid(123, 50), { l: Array.from({ length: 500 }, () => ({ a: 1, b: 'x', c: [true, null] })) }]) {
      const item: Item = { id: 'k', ...rest };
      const pad = DYNAMODB_MAX_ITEM_BYTES - itemSizeUpperBound({ ...item, pad: '' });
      expect(pad).toBeGreaterThan(0);
      await dynamo.doc.send(new PutCommand({ TableName: dynamo.tables.congregado, Item: { ...item, pad: 'x'.repeat(pad) } }));
    }
  });

  it('keeps a congregado item under 400 KB at the largest sample budget the config allows, with negative decimals and non-ASCII text', async () => {
    const config = parsePipelineConfig({
      ...defaultPipelineConfig,
      limits: { congregadoSampleMaxBytes: 300_000, congregadoSampleRows: 1000 },
    });
    const store = new DynamoCongregadoStore(dynamo.doc, dynamo.tables.congregado, {
      sampleStore: new FsObjectStore(join(dir, 'gold')),
      maxItemBytes: congregadoItemBudget(config),
    });
    const sample = Array.from({ length: 1000 }, (_, i) =>
      Object.fromEntries(Array.from({ length: 80 }, (_, j) => [`c${j}`, j % 4 === 0 ? `ação-${i}-😀` : -1.5])),
    );
    const { record } = await store.save({
      database: 'db',
      tabela_consolidada: 'big',
      content_hash: 'h'.repeat(64),
      record_count: 1000,
      chaves_principais: ['c0'],
      campos_decisao: ['c1'],
      origens: ['sor'],
      processor_type: 'lambda',
      sample_data: sample,
    });
    expect(record.sample_data.length).toBeLessThan(1000);
    expect(record.sample_uri).toBeDefined();
    const stored = (await dynamo.doc.send(new GetCommand({ TableName: dynamo.tables.congregado, Key: { id: record.id } }))).Item!;
    expect(itemSizeUpperBound(stored)).toBeLessThanOrEqual(congregadoItemBudget(config));
    expect(itemSizeUpperBound(stored)).toBeLessThanOrEqual(DYNAMODB_MAX_ITEM_BYTES);
  });
});
