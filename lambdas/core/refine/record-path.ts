// Reading a declared field's value out of a raw record: by its name, or by its `path` into nested objects
// and arrays (`customer.id`, `items[0].sku`), compiled once per field rather than parsed per record.

/** What a field `path` may be: keys separated by dots, each followed by any number of `[index]`. */
export const FIELD_PATH_PATTERN = /^[^.[\]]+(\[\d+\])*(\.[^.[\]]+(\[\d+\])*)*$/;

/** The steps of a path: object keys (strings) and array indexes (numbers). */
export function pathSteps(path: string): (string | number)[] {
  const steps: (string | number)[] = [];
  for (const part of path.split('.')) {
    const bracket = part.indexOf('[');
    steps.push(bracket < 0 ? part : part.slice(0, bracket));
    if (bracket >= 0) for (const m of part.slice(bracket).matchAll(/\[(\d+)\]/g)) steps.push(Number(m[1]));
  }
  return steps;
}

/**
 * A function reading one field's raw value from a record: `record[name]` without a path, else the value at
 * the path, or undefined (a missing value) where any step is absent or not an object or array.
 */
export function compileFieldReader(field: { name: string; path?: string }): (record: Record<string, unknown>) => unknown {
  if (field.path === undefined) {
    const name = field.name;
    return (record) => record[name];
  }
  const steps = pathSteps(field.path);
  return (record) => {
    let node: unknown = record;
    for (const step of steps) {
      if (node === null || typeof node !== 'object') return undefined;
      // An index applies to arrays only and a key to objects only: `items[0]` on an object is not its "0" key.
      if (typeof step === 'number' ? !Array.isArray(node) : Array.isArray(node)) return undefined;
      node = (node as Record<string | number, unknown>)[step];
    }
    return node;
  };
}
