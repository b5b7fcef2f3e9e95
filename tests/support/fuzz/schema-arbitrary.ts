import fc from 'fast-check';

/** A JSON Schema node of an OpenAPI 3.1 document. */
export type Schema = { [key: string]: unknown };

/** Resolves `#/components/...` references against the document. */
export function resolve(doc: Schema, schema: Schema): Schema {
  let current = schema;
  for (let depth = 0; typeof current.$ref === 'string' && depth < 10; depth++) {
    const path = current.$ref.replace(/^#\//, '').split('/');
    current = path.reduce<Schema>((node, key) => (node[key] ?? {}) as Schema, doc);
  }
  return current;
}

/** The schema with its `allOf` members folded in: every pattern kept, properties and required merged. */
export function flatten(doc: Schema, schema: Schema): Schema & { patterns: string[] } {
  const own = resolve(doc, schema);
  const parts = ((own.allOf as Schema[] | undefined) ?? []).map((s) => flatten(doc, s));
  const merged: Schema & { patterns: string[] } = { ...own, patterns: typeof own.pattern === 'string' ? [own.pattern] : [] };
  delete merged.allOf;
  for (const part of parts) {
    merged.patterns.push(...part.patterns);
    for (const [key, value] of Object.entries(part)) {
      if (key === 'patterns' || key === 'pattern') continue;
      if (key === 'properties') merged.properties = { ...(merged.properties as object | undefined), ...(value as object) };
      else if (key === 'required') merged.required = [...new Set([...((merged.required as string[] | undefined) ?? []), ...(value as string[])])];
      else merged[key] ??= value;
    }
  }
  return merged;
}

const typesOf = (schema: Schema): string[] => (Array.isArray(schema.type) ? (schema.type as string[]) : typeof schema.type === 'string' ? [schema.type] : []);

/** Whether `value` passes every pattern, with the `u` flag as JSON Schema means, and the code-point lengths. */
export function stringFits(schema: Schema & { patterns: string[] }, value: string): boolean {
  const length = [...value].length;
  if (typeof schema.minLength === 'number' && length < schema.minLength) return false;
  if (typeof schema.maxLength === 'number' && length > schema.maxLength) return false;
  return schema.patterns.every((p) => new RegExp(p, 'u').test(value));
}

const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-fA-F]{${n}}$`));

/** Any RFC 9562 UUID text: every version and variant, either case. */
export const anyUuid = fc.tuple(hex(8), hex(4), hex(4), hex(4), hex(12)).map((parts) => parts.join('-'));

// Patterns that say what a string is (sku, currency, cursor...), as opposed to the platform's rules about any text.
const rulePatterns = (patterns: string[]) => patterns.filter((p) => !p.startsWith('^(?:[^\\u0000') && p !== '^(?:\\S(?:[\\s\\S]*\\S)?)?$');

/** Ids of resources that exist, so that generated requests reach them instead of only 404s. */
export type KnownIds = () => readonly string[];

function stringArbitrary(schema: Schema & { patterns: string[] }, ids: KnownIds): fc.Arbitrary<string> {
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as string[]));
  if (schema.format === 'uuid') {
    const known = fc.nat().map((i) => ids()[i % Math.max(1, ids().length)] ?? '00000000-0000-0000-0000-000000000000');
    return fc.oneof(
      anyUuid,
      known,
      known.map((id) => id.toUpperCase()),
    );
  }
  if (schema.format === 'date-time')
    return fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
  const shaping = rulePatterns(schema.patterns);
  const max = Math.min(typeof schema.maxLength === 'number' ? schema.maxLength : 40, 60);
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  // A pattern that fixes its own length (`^[0-9a-f]{64}$`) may need more than the usual cap: its own maxLength, or none.
  const base = shaping[0]
    ? fc.stringMatching(new RegExp(shaping[0], 'u'), typeof schema.maxLength === 'number' ? { maxLength: schema.maxLength } : {})
    : fc.string({ unit: 'binary', minLength: min, maxLength: Math.max(min, max) });
  return base.filter((s) => stringFits(schema, s));
}

/**
 * A value the schema accepts, as JSON Schema defines acceptance (code points, `u`-flag patterns, every version of
 * UUID). What the server accepts must be exactly this.
 */
export function valid(doc: Schema, schema: Schema, depth = 0, ids: KnownIds = () => []): fc.Arbitrary<unknown> {
  const s = flatten(doc, schema);
  const types = typesOf(s);
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  if (Array.isArray(s.anyOf)) return fc.oneof(...(s.anyOf as Schema[]).map((alt) => valid(doc, alt, depth + 1, ids)));
  if (types.includes('null') && types.length > 1) return fc.oneof(fc.constant(null), valid(doc, { ...s, type: types.filter((t) => t !== 'null') }, depth, ids));
  const type = types[0];
  if (type === 'string') return stringArbitrary(s, ids);
  if (type === 'integer' || type === 'number') {
    const min = typeof s.minimum === 'number' ? s.minimum : -1_000_000;
    const max = typeof s.maximum === 'number' ? s.maximum : 1_000_000;
    if (type === 'number') return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
    return fc.oneof(fc.integer({ min: Math.max(min, -1000), max: Math.min(max, Math.max(min, -1000) + 2000) }), fc.constantFrom(min, max));
  }
  if (type === 'boolean') return fc.boolean();
  if (type === 'array') return fc.array(valid(doc, (s.items as Schema | undefined) ?? {}, depth + 1, ids), { maxLength: 3 });
  if (type === 'object' || s.properties) {
    const properties = (s.properties as Record<string, Schema> | undefined) ?? {};
    const required = (s.required as string[] | undefined) ?? [];
    const record = fc.record(Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, valid(doc, value, depth + 1, ids)])), {
      requiredKeys: required.filter((k) => k in properties),
    });
    const minProperties = typeof s.minProperties === 'number' ? s.minProperties : 0;
    return record.filter((value) => Object.keys(value).length >= minProperties);
  }
  return fc.constant(null);
}
