import { textRulePattern } from './text-rules.ts';

type Schema = Record<string, unknown>;

// Formats whose own syntax already keeps the forbidden code points out.
const safeFormats = new Set(['uuid', 'date-time', 'date', 'time', 'email', 'uri', 'ipv4', 'ipv6']);

function isString(schema: Schema): boolean {
  return schema.type === 'string' || (Array.isArray(schema.type) && schema.type.includes('string'));
}

function addRule(schema: Schema): void {
  if (!isString(schema) || 'enum' in schema || 'const' in schema || safeFormats.has(String(schema.format))) return;
  if (schema.pattern === undefined) {
    schema.pattern = textRulePattern;
    return;
  }
  const all = (schema.allOf as Schema[] | undefined) ?? [];
  if (schema.pattern !== textRulePattern && !all.some((s) => s.pattern === textRulePattern)) schema.allOf = [...all, { pattern: textRulePattern }];
}

function visit(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) visit(item);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const schema = node as Schema;
  if (!('$ref' in schema)) addRule(schema);
  for (const [key, value] of Object.entries(schema)) {
    // Examples are data, not schemas.
    if (key !== 'example' && key !== 'examples' && key !== 'default') visit(value);
  }
}

/**
 * Writes the platform's text rule (no U+0000, no unpaired surrogate, no U+FEFF) into every string schema of an
 * OpenAPI document as a `pattern` (beside an existing one through `allOf`), so the document says what the
 * validation hook enforces. Changes the document in place and returns it.
 */
export function documentTextRule<D>(document: D): D {
  visit(document);
  return document;
}
