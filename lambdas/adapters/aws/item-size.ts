// An upper bound of the size DynamoDB counts for an item, so that items are kept under the 400 KB limit
// before they are sent (the emulators count differently: dynalite takes strings in UTF-16 units).
/**
 * Upper bound of the size DynamoDB charges an item against its 400 KB (409,600-byte) limit, for items
 * as the AWS SDK v3 DocumentClient (@aws-sdk/lib-dynamodb, marshallOptions.removeUndefinedValues)
 * writes them.
 *
 * The rules are AWS DynamoDB Local 1.25.1's (LocalDBUtils.getItemSizeBytes /
 * getAttributeValueSizeBytes / encodeBigDecimal), each confirmed by PutItem against DynamoDB Local
 * (see item-size.test.ts and README.md). They agree with AWS's documented rules, with the number
 * rule made exact:
 *   item            sum over attributes of UTF-8(name) + size(value)   (no per-attribute overhead)
 *   S               UTF-8 bytes
 *   B               raw bytes
 *   BOOL, NULL      1
 *   N               1 byte if zero, else 1 + ceil((significant digits + exponent parity) / 2),
 *                   + 1 more if negative and that digit part is under 20 bytes (a terminator byte)
 *   L               3 + sum(1 + size(element))
 *   M               3 + sum(1 + UTF-8(key) + size(value))
 *   SS, NS, BS      sum of the members' sizes (no overhead)
 *
 * Mirrors @aws-sdk/util-dynamodb's convertToAttr, so what is counted is what is sent: undefined
 * values and functions are dropped, Map/Set/typed arrays/NumberValue/bigint/boxed primitives are
 * handled as the marshaller does, JS numbers are sent as String(n).
 */

import { InvariantError } from '../../core/errors.js';

export const DYNAMODB_MAX_ITEM_BYTES = 409_600;

export interface ItemSizeOptions {
  /**
   * Same meaning as lib-dynamodb's marshallOptions.convertEmptyValues: '' and empty binaries/sets
   * are sent as NULL (1 byte) instead of '' (0 bytes) / an error. Default false.
   */
  convertEmptyValues?: boolean;
}

const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');

/** Upper bound (exact for DynamoDB Local 1.25.1) of the stored size of a DocumentClient item. */
export function itemSizeUpperBound(item: Record<string, unknown>, options: ItemSizeOptions = {}): number {
  let size = 0;
  for (const key in item) {
    const value = item[key];
    if (value === undefined || typeof value === 'function') continue;
    size += utf8(key) + valueSize(value, options, key);
  }
  return size;
}

/** Upper bound of one value's size (an element of a list adds 1 byte to it, an attribute its name). */
export function valueSizeUpperBound(value: unknown, options: ItemSizeOptions = {}): number {
  return value === undefined || typeof value === 'function' ? 0 : valueSize(value, options, 'value');
}

/** true when itemSizeUpperBound(item) <= 409,600, i.e. PutItem will not fail for size. */
export function fitsInOneItem(item: Record<string, unknown>, options?: ItemSizeOptions): boolean {
  return itemSizeUpperBound(item, options) <= DYNAMODB_MAX_ITEM_BYTES;
}

/**
 * Bytes DynamoDB stores for a number given as its decimal string (the N value on the wire), e.g.
 * numberSize('-1.5') === 4, numberSize('1234567.5') === 6, numberSize('0') === 1.
 */
export function numberSize(n: string): number {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(n.trim());
  if (!m || ((m[2] ?? '') === '' && (m[3] ?? '') === '')) {
    throw new InvariantError(`not a DynamoDB number: ${JSON.stringify(n)}`);
  }
  const negative = m[1] === '-';
  const intPart = m[2] ?? '';
  let digits = intPart + (m[3] ?? '');
  // value = 0.<digits> x 10^exponent
  let exponent = intPart.length + Number(m[4] ?? '0');
  const leading = /^0*/.exec(digits)?.[0].length ?? 0;
  digits = digits.slice(leading).replace(/0+$/, '');
  exponent -= leading;
  if (digits.length === 0) return 1; // zero (any sign)
  const parity = exponent % 2 !== 0 ? 1 : 0; // digits are packed in pairs aligned on the decimal point
  const pairs = Math.floor((digits.length + parity + 1) / 2);
  return 1 + pairs + (negative && pairs < 20 ? 1 : 0);
}

function valueSize(value: unknown, options: ItemSizeOptions, path: string): number {
  if (value === null) return 1;
  if (Array.isArray(value)) {
    let size = 3;
    for (const element of value) {
      if (element === undefined || typeof element === 'function') continue;
      size += 1 + valueSize(element, options, `${path}[]`);
    }
    return size;
  }
  const ctor = constructorName(value);
  if (ctor === 'Set') return setSize(value as Set<unknown>, options, path);
  if (ctor === 'Map') {
    let size = 3;
    for (const [key, v] of value as Map<unknown, unknown>) {
      if (v === undefined || typeof v === 'function') continue;
      size += 1 + utf8(String(key)) + valueSize(v, options, `${path}.${String(key)}`);
    }
    return size;
  }
  if (typeof value === 'object' && (ctor === 'Object' || ctor === undefined)) return mapSize(value, options, path);
  const binary = binaryLength(value);
  if (binary !== undefined) return binary === 0 && options.convertEmptyValues ? 1 : binary;
  if (typeof value === 'boolean' || ctor === 'Boolean') return 1;
  if (typeof value === 'number' || ctor === 'Number') {
    const num = Number(value);
    if (!Number.isFinite(num)) throw new InvariantError(`${path}: ${num} cannot be stored in DynamoDB`);
    return numberSize(String(value));
  }
  if (typeof value === 'bigint') return numberSize(value.toString());
  if (ctor === 'NumberValue') return numberSize(String(value));
  if (typeof value === 'string' || ctor === 'String') {
    const s = String(value);
    return s.length === 0 && options.convertEmptyValues ? 1 : utf8(s);
  }
  if (typeof value === 'object') {
    // A class instance: the marshaller throws unless convertClassInstanceToMap, which sends its
    // enumerable properties as a map.
    return mapSize(value, options, path);
  }
  throw new InvariantError(`${path}: a ${typeof value} cannot be stored in DynamoDB`);
}

function mapSize(value: object, options: ItemSizeOptions, path: string): number {
  let size = 3;
  const record = value as Record<string, unknown>;
  for (const key in record) {
    const v = record[key];
    if (v === undefined || typeof v === 'function') continue;
    size += 1 + utf8(key) + valueSize(v, options, `${path}.${key}`);
  }
  return size;
}

function setSize(set: Set<unknown>, options: ItemSizeOptions, path: string): number {
  let size = 0;
  let members = 0;
  for (const member of set) {
    if (member === undefined) continue;
    members++;
    const binary = binaryLength(member);
    if (binary !== undefined) size += binary;
    else if (typeof member === 'string') size += utf8(member);
    else if (typeof member === 'number' || typeof member === 'bigint' || constructorName(member) === 'NumberValue') {
      size += valueSize(member, options, `${path}<>`);
    } else {
      throw new InvariantError(`${path}: sets may hold only strings, numbers or binaries`);
    }
  }
  if (members === 0) {
    if (options.convertEmptyValues) return 1;
    throw new InvariantError(`${path}: DynamoDB has no empty sets (the marshaller rejects them)`);
  }
  return size;
}

function constructorName(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const ctor = (value as { constructor?: unknown }).constructor;
  return typeof ctor === 'function' ? ctor.name : undefined;
}

const BINARY_TYPES = new Set([
  'ArrayBuffer',
  'Blob',
  'Buffer',
  'DataView',
  'File',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
]);

/** Raw byte length of a value the marshaller sends as B, or undefined if it is not binary. */
function binaryLength(value: unknown): number | undefined {
  const ctor = constructorName(value);
  if (ctor === undefined || !BINARY_TYPES.has(ctor)) return undefined;
  const v = value as { byteLength?: number; size?: number };
  if (typeof v.byteLength === 'number') return v.byteLength;
  if (typeof v.size === 'number') return v.size; // Blob / File
  return undefined;
}
