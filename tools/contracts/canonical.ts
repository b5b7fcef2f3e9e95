import { stringify } from 'yaml';

/** Keys first in this order, where a document has them; the rest alphabetically. Spec order reads naturally. */
const leading = [
  'openapi', 'asyncapi', 'info', 'jsonSchemaDialect', 'defaultContentType', 'servers', 'tags', 'paths', 'channels', 'operations', 'webhooks', 'components',
];

/**
 * A copy of a JSON value with object keys in a stable order and `undefined` members dropped, so the same contract
 * always serializes to the same bytes whatever order the code registered routes, schemas and events in. Document-level
 * keys come in spec order, other keys alphabetically, except the members of a schema's `properties`, which keep their
 * declared order (readers and generated clients show fields in it). Arrays keep their order (`required`, `enum`).
 */
export function canonicalize(value: unknown): unknown {
  return walk(value, 0, false);
}

function walk(value: unknown, depth: number, declared: boolean): unknown {
  if (Array.isArray(value)) return value.map((item) => walk(item, depth + 1, false));
  if (typeof value !== 'object' || value === null) return value;
  const rank = (key: string) => (depth === 0 && leading.includes(key) ? leading.indexOf(key) : leading.length);
  const keys = Object.keys(value);
  if (!declared) keys.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  const copy: Record<string, unknown> = {};
  for (const key of keys) {
    const member = (value as Record<string, unknown>)[key];
    if (member !== undefined) copy[key] = walk(member, depth + 1, !declared && key === 'properties');
  }
  return copy;
}

/** Canonical JSON text: two-space indent, trailing newline. */
export function toJsonText(value: unknown): string {
  return `${JSON.stringify(canonicalize(value), null, 2)}\n`;
}

/** Canonical YAML text: no anchors or aliases, no line folding, trailing newline. */
export function toYamlText(value: unknown): string {
  return stringify(canonicalize(value), { aliasDuplicateObjects: false, lineWidth: 0, indent: 2 });
}
