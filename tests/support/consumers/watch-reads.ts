import { joinFieldPath } from '../../../platform/contracts/consumer-contract.ts';

// Asked of any value by the runtime or test tooling (awaiting, JSON, vitest), not by the consumer's code.
const ignored = new Set(['then', 'toJSON', 'constructor', 'asymmetricMatch', '$$typeof', 'nodeType', 'tagName']);

/**
 * Wraps a parsed JSON body or event payload so that every field read through it is reported as a field path
 * (`status`, `price.amount`, `items[]`, `items[].id`). Nested objects and arrays come back wrapped too, so reading
 * through iteration, `map`, destructuring, spread or `JSON.stringify` is seen. Reads of fields the value does not
 * have are reported as well; prototype methods and runtime probes (`then`, `toJSON`) are not.
 */
export function watchReads<T>(value: T, onRead: (path: string) => void): T {
  return wrap(value, [], onRead, new WeakMap()) as T;
}

function wrap(value: unknown, steps: readonly string[], onRead: (path: string) => void, cache: WeakMap<object, Map<string, unknown>>): unknown {
  if (!isPlain(value)) return value;
  const key = joinFieldPath(steps);
  const known = cache.get(value) ?? new Map<string, unknown>();
  cache.set(value, known);
  if (known.has(key)) return known.get(key);
  const child = (target: object, property: string): string[] | undefined => {
    if (Array.isArray(target)) return /^\d+$/.test(property) ? [...steps, '[]'] : undefined;
    if (Object.hasOwn(target, property)) return [...steps, property];
    return property in target || ignored.has(property) ? undefined : [...steps, property];
  };
  const proxy = new Proxy(value, {
    get(target, property, receiver) {
      const result: unknown = Reflect.get(target, property, receiver);
      const path = typeof property === 'string' ? child(target, property) : undefined;
      if (!path) return result;
      onRead(joinFieldPath(path));
      return wrap(result, path, onRead, cache);
    },
    has(target, property) {
      const path = typeof property === 'string' ? child(target, property) : undefined;
      if (path) onRead(joinFieldPath(path));
      return Reflect.has(target, property);
    },
  });
  known.set(key, proxy);
  return proxy;
}

/**
 * The field paths of a call's input, down to its leaves: `{ params: { id } }` → `params.id`; an array of values
 * gives `query.tag[]`. Undefined values are not sent, so they are not listed.
 */
export function leafPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.length === 0 ? [prefix] : [...new Set(value.flatMap((v) => leafPaths(v, `${prefix}[]`)))];
  if (!isPlain(value)) return value === undefined ? [] : [prefix];
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return prefix === '' ? [] : [prefix];
  return entries.flatMap(([k, v]) => leafPaths(v, prefix === '' ? k : `${prefix}.${k}`));
}

function isPlain(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return Array.isArray(value) || proto === Object.prototype || proto === null;
}
