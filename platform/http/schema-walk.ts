import type { z } from 'zod';
import { acceptedDescriptions } from './schemas.ts';

/**
 * Reading a zod schema back, to say in a validation message what a field accepts: the node at a path, its object
 * keys, and a phrase such as "a whole number from 1 to 100".
 */

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  entries?: Record<string, unknown>;
  values?: unknown[];
  format?: string;
  getter?: () => z.ZodType;
}

const def = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

const wrappers = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional']);

/** The schema under optional, default and similar wrappers; for a pipe, the side that reads the input. */
export function unwrap(schema: z.ZodType): z.ZodType {
  for (let current = schema, depth = 0; depth < 20; depth++) {
    const d = def(current);
    if (wrappers.has(d.type) && d.innerType) current = d.innerType;
    else if (d.type === 'pipe' && d.in) current = def(d.in).type === 'transform' && d.out ? d.out : d.in;
    else if (d.type === 'lazy' && d.getter) current = d.getter();
    else return current;
  }
  return schema;
}

/** The schema of the field at `path` inside `schema`, when it can be told. */
export function schemaAt(schema: z.ZodType | undefined, path: readonly PropertyKey[]): z.ZodType | undefined {
  let current = schema;
  for (const step of path) {
    if (!current) return undefined;
    const d = def(unwrap(current));
    if (d.type === 'object') current = d.shape?.[String(step)] ?? (d.catchall && def(d.catchall).type !== 'never' ? d.catchall : undefined);
    else if (d.type === 'array') current = d.element;
    else if (d.type === 'record') current = d.valueType;
    else return undefined;
  }
  return current;
}

/** The keys an object schema accepts. */
export function objectKeys(schema: z.ZodType | undefined): string[] {
  if (!schema) return [];
  const d = def(unwrap(schema));
  return d.type === 'object' ? Object.keys(d.shape ?? {}) : [];
}

const range = (min: number | null, max: number | null, unit = '') => {
  const lo = min !== null && Number.isFinite(min) && min > Number.MIN_SAFE_INTEGER ? min : undefined;
  const hi = max !== null && Number.isFinite(max) && max < Number.MAX_SAFE_INTEGER + 1 ? max : undefined;
  if (lo !== undefined && hi !== undefined) return ` from ${lo} to ${hi}${unit}`;
  if (lo !== undefined) return ` of at least ${lo}${unit}`;
  if (hi !== undefined) return ` of at most ${hi}${unit}`;
  return '';
};

/** What a field accepts, as a phrase that completes "must be …". */
export function describeAccepted(schema: z.ZodType | undefined): string {
  if (!schema) return 'valid';
  const inner = unwrap(schema);
  const d = def(inner);
  const s = inner as unknown as { minValue: number | null; maxValue: number | null; isInt: boolean; minLength: number | null; maxLength: number | null };
  const described = acceptedDescriptions.get(inner);
  if (described) return described;
  switch (d.type) {
    case 'string': {
      if (d.format === 'guid' || d.format === 'uuid') return 'a UUID such as 0192f1c2-7b4e-7c1a-9d3e-2a6f0b8c4d51';
      if (d.format === 'datetime') return 'an ISO 8601 date-time such as 2026-01-31T09:30:00Z';
      const length = s.minLength !== null || s.maxLength !== null ? ` of${range(s.minLength, s.maxLength, ' characters').replace(/^ of/, '')}` : '';
      return `a string${length}`;
    }
    case 'number':
      return `${s.isInt ? 'a whole number' : 'a number'}${range(s.minValue, s.maxValue)}`;
    case 'boolean':
      return 'true or false';
    case 'enum':
      return `one of ${Object.values(d.entries ?? {})
        .map((v) => JSON.stringify(v))
        .join(', ')}`;
    case 'literal':
      return `exactly ${(d.values ?? []).map((v) => JSON.stringify(v)).join(' or ')}`;
    case 'object':
      return `an object${Object.keys(d.shape ?? {}).length > 0 ? ` with the fields ${Object.keys(d.shape ?? {}).join(', ')}` : ''}`;
    case 'array':
      return 'a list';
    case 'record':
      return 'an object';
    default:
      return 'valid';
  }
}
