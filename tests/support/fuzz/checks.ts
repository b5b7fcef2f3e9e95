import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { Operation } from './requests.ts';
import type { Schema } from './schema-arbitrary.ts';

/** Validates answers against the document's own schemas (JSON Schema 2020-12, patterns with the `u` flag). */
export function answerValidator(doc: Schema) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  ajv.addSchema({ $id: 'cleave.json', components: doc.components }, 'cleave.json');
  const compiled = new Map<string, ValidateFunction>();
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (typeof node !== 'object' || node === null) return node;
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' ? `cleave.json${v}` : rewrite(v)]));
  };
  return (op: Operation, status: number, mediaType: string): ValidateFunction | undefined => {
    const key = `${op.method} ${op.path} ${status} ${mediaType}`;
    if (!compiled.has(key)) {
      const responses = op.spec.responses as Record<string, { content?: Record<string, { schema: Schema }> }>;
      const schema = responses[String(status)]?.content?.[mediaType]?.schema;
      if (!schema) return undefined;
      compiled.set(key, ajv.compile(rewrite(schema) as Schema));
    }
    return compiled.get(key);
  };
}

/** Leaves of a JSON value, as `[path, value]` pairs (`price.amount`). */
export function leaves(value: unknown, path = ''): [string, unknown][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, `${path}[${i}]`));
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, v]) => leaves(v, path ? `${path}.${k}` : k));
  return [[path, value]];
}

const uuidText = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Where an accepted request's values differ from what the answer (the stored resource) holds at the same paths:
 * every value must come back exactly as sent. UUIDs compare without regard to case (RFC 9562 §4).
 */
export function changedValues(sent: unknown, stored: unknown): string[] {
  const back = new Map(leaves(stored));
  return leaves(sent).flatMap(([path, value]) => {
    if (!back.has(path)) return [];
    const got = back.get(path);
    const same =
      typeof value === 'string' && typeof got === 'string' && uuidText.test(value)
        ? value.toLowerCase() === got.toLowerCase()
        : JSON.stringify(value) === JSON.stringify(got);
    return same ? [] : [`${path}: sent ${JSON.stringify(value)}, stored ${JSON.stringify(got)}`];
  });
}
