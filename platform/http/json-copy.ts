/**
 * A copy of `value` with JSON semantics, as `JSON.parse(JSON.stringify(value))` makes it, without the text in
 * between: `toJSON` is honoured (dates become ISO strings), `undefined`, functions and symbols disappear from objects
 * and become `null` in arrays, non-finite numbers become `null`, boxed primitives unbox, and only own enumerable
 * string keys are kept. Like `JSON.stringify` it throws a `TypeError` on a BigInt or a cycle. For the direct
 * in-process path, so a provider and its caller never share objects and both see what HTTP would carry.
 */
export function jsonCopy(value: unknown): unknown {
  return copy(value, '', 0);
}

const maxDepth = 1000;

function copy(value: unknown, key: string, depth: number): unknown {
  if (value === null) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      // JSON writes -0 as 0.
      return Number.isFinite(value) ? (value === 0 ? 0 : value) : null;
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (depth > maxDepth) throw new TypeError('Converting circular structure to JSON (or nested deeper than 1000 levels)');
  const object = value as Record<string, unknown> & { toJSON?: (key: string) => unknown };
  if (typeof object.toJSON === 'function') return copy(object.toJSON(key), key, depth + 1);
  if (object instanceof Number || object instanceof String || object instanceof Boolean) return copy(object.valueOf(), key, depth);
  if (Array.isArray(object)) {
    const out: unknown[] = new Array(object.length);
    for (let i = 0; i < object.length; i++) {
      const item = copy(object[i], String(i), depth + 1);
      out[i] = item === undefined ? null : item;
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const name in object) {
    if (!Object.hasOwn(object, name)) continue;
    const item = copy(object[name], name, depth + 1);
    if (item === undefined) continue;
    // `JSON.parse` makes `__proto__` an own property; assigning it would set the copy's prototype instead.
    if (name === '__proto__') Object.defineProperty(out, name, { value: item, enumerable: true, writable: true, configurable: true });
    else out[name] = item;
  }
  return out;
}
