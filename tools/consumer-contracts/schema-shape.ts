import { z } from 'zod';
import { parseFieldPath } from '../../platform/contracts/consumer-contract.ts';

/** A JSON Schema node, as `z.toJSONSchema` writes it (draft 2020-12). */
export type JsonSchema = { [key: string]: unknown };
export type JsonValue = string | number | boolean | null;

/** What a field can hold, as far as a consumer cares: its JSON types, allowed values and format. */
export interface FieldShape {
  /** JSON Schema types, sorted; `any` when the schema does not say. */
  type: string[];
  /** Set when the field may be left out. */
  optional?: true;
  enum?: JsonValue[];
  format?: string;
}

/** One alternative of a schema node, with the document it came from (for `$ref`). */
interface Alt {
  schema: JsonSchema;
  root: JsonSchema;
}

/** Stands for a success answer without a JSON body: every field of it is absent. */
const noBody: JsonSchema = { 'x-cleave-no-body': true };

/** JSON Schema of a zod schema as a producer writes it (`output`) or a receiver accepts it (`input`). */
export function jsonSchemaOf(schema: unknown, io: 'input' | 'output'): JsonSchema {
  if (schema instanceof z.ZodType) return z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  // A route may carry a raw OpenAPI schema object; a `$ref` to a component cannot be followed here.
  return isObject(schema) && !('$ref' in schema) ? schema : {};
}

/** A node that is one of `schemas`; an undefined entry stands for an answer without a body. */
export function anyOf(schemas: readonly (JsonSchema | undefined)[]): JsonSchema {
  return { anyOf: schemas.map((s) => s ?? noBody) };
}

/** An object node with the given properties, of which `required` must be present. */
export function objectOf(properties: Record<string, JsonSchema>, required: readonly string[]): JsonSchema {
  return { type: 'object', properties, required: [...required] };
}

/** The shape of the field at `path` in `schema`, or undefined when no alternative of the schema has it. */
export function shapeAt(schema: JsonSchema, path: string): FieldShape | undefined {
  let alts = expand({ schema, root: schema });
  // Only the last step decides `optional`: an optional or nullable parent is the parent's own shape.
  let optional = false;
  for (const step of parseFieldPath(path)) {
    const next: Alt[] = [];
    optional = false;
    for (const alt of alts) {
      const child = step === '[]' ? elementOf(alt) : propertyOf(alt, step);
      if (child === 'absent') optional = true;
      else if (child) {
        if (child.optional) optional = true;
        next.push(...expand(child.alt));
      }
    }
    if (next.length === 0) return undefined;
    alts = next;
  }
  return summarise(alts, optional);
}

/**
 * The required fields of `schema`, as paths under `prefix`. A required object is opened up to name what inside it
 * is required (`query.tenant`, not `query`); `sent` says which paths the caller provides, so only what it does
 * not provide is listed.
 */
export function missingRequired(schema: JsonSchema, sent: readonly string[], prefix = ''): string[] {
  const objects = expand({ schema, root: schema }).filter((a) => isObject(a.schema.properties));
  const first = objects[0];
  if (!first) return [];
  // A key is required only if every alternative requires it.
  const required = objects.map((a) => asStrings(a.schema.required)).reduce((all, one) => all.filter((k) => one.includes(k)));
  const missing: string[] = [];
  for (const key of [...new Set(required)].sort()) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const child = propertyOf(first, key);
    const inner = child && child !== 'absent' ? resolved(child.alt) : {};
    const under = sent.filter((s) => s === path || s.startsWith(`${path}.`) || s.startsWith(`${path}[]`));
    if (under.includes(path)) continue;
    const nested = missingRequired(inner, under, path);
    missing.push(...(under.length === 0 && nested.length === 0 ? [path] : nested));
  }
  return missing;
}

function propertyOf(alt: Alt, key: string): { alt: Alt; optional: boolean } | 'absent' | undefined {
  const { schema } = alt;
  if (schema === noBody) return 'absent';
  const properties = isObject(schema.properties) ? schema.properties : undefined;
  const property = properties?.[key];
  if (isObject(property)) return { alt: childOf(alt, property), optional: !asStrings(schema.required).includes(key) };
  if (isObject(schema.additionalProperties)) return { alt: childOf(alt, schema.additionalProperties), optional: true };
  // An object without this key: absent here. A nullable or scalar alternative of a parent is the parent's business.
  return properties || schema.type === 'object' ? 'absent' : undefined;
}

function elementOf(alt: Alt): { alt: Alt; optional: boolean } | undefined {
  const items = alt.schema.items;
  return isObject(items) ? { alt: childOf(alt, items), optional: false } : undefined;
}

/** A sub-schema keeps its document for `$ref`s, unless it is a document itself (a section of a composed input). */
function childOf(parent: Alt, schema: JsonSchema): Alt {
  return { schema, root: '$schema' in schema || '$defs' in schema ? schema : parent.root };
}

/** Resolves `$ref`s and flattens `anyOf`/`oneOf` into alternatives and `allOf` into one merged object. */
function expand(alt: Alt, depth = 0): Alt[] {
  if (depth > 20) return [{ schema: {}, root: alt.root }];
  const schema = resolved(alt);
  const here = { schema, root: alt.root };
  const branches = [schema.anyOf, schema.oneOf].find(Array.isArray) as unknown[] | undefined;
  if (branches) return branches.filter(isObject).flatMap((b) => expand(childOf(here, b), depth + 1));
  if (Array.isArray(schema.allOf)) {
    const parts = schema.allOf.filter(isObject).flatMap((b) => expand(childOf(here, b), depth + 1).map((a) => a.schema));
    const merged = objectOf(
      Object.assign({}, ...parts.map((p) => p.properties)) as Record<string, JsonSchema>,
      parts.flatMap((p) => asStrings(p.required)),
    );
    return [{ schema: merged, root: alt.root }];
  }
  return [here];
}

function resolved(alt: Alt): JsonSchema {
  const ref = alt.schema.$ref;
  if (typeof ref !== 'string') return alt.schema;
  if (ref === '#') return alt.root;
  const target = ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), alt.root);
  return isObject(target) ? target : {};
}

function summarise(alts: readonly Alt[], optional: boolean): FieldShape {
  const types = new Set<string>();
  const values: JsonValue[] = [];
  let enumerated = true;
  const formats = new Set<string | undefined>();
  for (const { schema } of alts) {
    const own = Array.isArray(schema.enum) ? (schema.enum as JsonValue[]) : 'const' in schema ? [schema.const as JsonValue] : undefined;
    const declared = Array.isArray(schema.type) ? asStrings(schema.type) : typeof schema.type === 'string' ? [schema.type] : (own?.map(jsonType) ?? ['any']);
    for (const t of declared) types.add(t);
    if (own) values.push(...own);
    else if (!declared.every((t) => t === 'null')) enumerated = false;
    if (declared.includes('string')) formats.add(typeof schema.format === 'string' ? schema.format : undefined);
  }
  const format = formats.size === 1 ? [...formats][0] : undefined;
  const shape: FieldShape = { type: [...types].sort() };
  if (optional) shape.optional = true;
  if (enumerated && values.length > 0) shape.enum = [...new Set([...values, ...(types.has('null') ? [null] : [])])].sort(byJson);
  if (format !== undefined) shape.format = format;
  return shape;
}

function jsonType(value: JsonValue): string {
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function byJson(a: JsonValue, b: JsonValue): number {
  return JSON.stringify(a) < JSON.stringify(b) ? -1 : 1;
}

function isObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asStrings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
