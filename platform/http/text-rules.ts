/**
 * The platform's rule for every string a contract accepts, wherever it sits (body, query, path, header):
 * no U+0000 (PostgreSQL text cannot hold it), no unpaired UTF-16 surrogate (not a character; drivers store it as
 * U+FFFD, so what is stored would differ from what was sent) and no U+FEFF (a byte order mark is not text, and
 * PGlite drops a leading one when it reads it back). Checked by the validation hook, documented in every OpenAPI
 * string schema as `textRulePattern`.
 */

/**
 * The rule as an ECMA-262 pattern for JSON Schema. It means the same with or without the `u` flag: without it,
 * a surrogate pair matches the second branch; with it, the pair is one code point outside the excluded class.
 */
export const textRulePattern = '^(?:[^\\u0000\\uD800-\\uDFFF\\uFEFF]|[\\uD800-\\uDBFF][\\uDC00-\\uDFFF])*$';

// eslint-disable-next-line no-control-regex -- U+0000 is exactly what this looks for
const forbidden = /\u0000|\uFEFF|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `value` breaks the rule (naming the character and where it is), or undefined when it does not. */
export function textRuleViolation(value: string): string | undefined {
  const match = forbidden.exec(value);
  if (!match) return undefined;
  const at = `at position ${[...value.slice(0, match.index)].length + 1}`;
  if (match[0] === '\u0000') return `must not contain U+0000 (NUL), found ${at}`;
  if (match[0] === '\uFEFF') return `must not contain U+FEFF (a byte order mark), found ${at}`;
  return `must not contain an unpaired UTF-16 surrogate (U+${match[0].charCodeAt(0).toString(16).toUpperCase()}), found ${at}`;
}

export interface TextRuleBreach {
  path: (string | number)[];
  message: string;
}

/** Whether any string (or object key) in `value` breaks the rule; allocates nothing on the way. */
export function breaksTextRule(value: unknown): boolean {
  if (typeof value === 'string') return forbidden.test(value);
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (breaksTextRule(item)) return true;
    return false;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (forbidden.test(key) || breaksTextRule((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

/** Every string (and object key) in `value` that breaks the rule, with its path. */
export function textRuleBreaches(value: unknown, path: (string | number)[] = []): TextRuleBreach[] {
  // Most input breaks nothing: one pass that allocates nothing says so before a walk that builds every path.
  return breaksTextRule(value) ? breachesIn(value, path) : [];
}

function breachesIn(value: unknown, path: (string | number)[]): TextRuleBreach[] {
  if (typeof value === 'string') {
    const message = textRuleViolation(value);
    return message ? [{ path, message }] : [];
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => (breaksTextRule(item) ? breachesIn(item, [...path, i]) : []));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, item]) => {
    const keyMessage = textRuleViolation(key);
    return [...(keyMessage ? [{ path: [...path, key], message: `is a field name that ${keyMessage}` }] : []), ...textRuleBreaches(item, [...path, key])];
  });
}

const forbiddenEverywhere = new RegExp(forbidden.source, 'g');

/**
 * `value` with each code point the rule forbids written out as `\uXXXX` text: for echoing input (a field name, a
 * path) in a problem, which must itself follow the rule.
 */
export function visible(value: string): string {
  return value.replace(forbiddenEverywhere, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
