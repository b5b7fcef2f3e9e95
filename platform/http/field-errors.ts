import type { z } from 'zod';
import { stripUrlCredentials } from '../observability/redaction.ts';
import type { FieldError } from './problem.ts';
import { describeAccepted, objectKeys, schemaAt } from './schema-walk.ts';
import { textRuleBreaches } from './text-rules.ts';

/** Where a validator target sits in the request, as reported in `errors[].location`. */
export const locations: Record<string, FieldError['location']> = {
  json: 'body',
  form: 'form',
  query: 'query',
  param: 'path',
  header: 'header',
  cookie: 'cookie',
};

interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  keys?: string[];
}

export interface FieldErrorsInput {
  target: string;
  issues: readonly Issue[];
  /** The input as received, to quote what was sent. */
  input: unknown;
  /** The target's schema, to say what is accepted. */
  schema?: z.ZodType | undefined;
}

// zod's own English messages; anything else was written by the contract's author and is kept.
const validatorWording = /^(Invalid|Too (small|big)|Unrecognized|Expected)/;

const join = (path: readonly PropertyKey[]) => path.map(String).join('.');

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const step of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[step];
  }
  return current;
}

/**
 * Fields whose values are never quoted back: a mistyped password or token is still a secret, and answers end up in
 * logs, proxies and browser tools. Personal data kept encrypted at rest (e-mail addresses) is not echoed either.
 */
const secretField = /(password|secret|token|code_verifier|authorization|cookie|cleave-on-behalf-of|^kek$|^email$)/i;

/** What was sent, for the message: quoted, or only its length for a secret field. */
function got(value: unknown, path: readonly PropertyKey[]): string {
  const name = String(path.at(-1) ?? '');
  if (secretField.test(name)) return typeof value === 'string' ? `; got ${value.length} characters (not shown)` : '; got a value (not shown)';
  return `; got ${quote(value)}`;
}

/**
 * The start of `value` as JSON, at least `limit` characters of it when it is longer: what a problem quotes of a value,
 * without writing out a megabyte array to show 60 characters of it. `shown` maps each string before it is cut.
 */
export function jsonStart(value: unknown, limit: number, shown: (text: string) => string = (text) => text): string {
  let out = '';
  const add = (text: string) => {
    out += text;
    return out.length <= limit;
  };
  const walk = (v: unknown): boolean => {
    if (typeof v === 'string') {
      const text = shown(v);
      return add(JSON.stringify(text.length > limit ? text.slice(0, limit + 1) : text));
    }
    if (Array.isArray(v)) {
      if (!add('[')) return false;
      for (let i = 0; i < v.length; i++) if ((i > 0 && !add(',')) || !walk(v[i] ?? null)) return false;
      return add(']');
    }
    if (typeof v === 'object' && v !== null) {
      if (!add('{')) return false;
      let first = true;
      for (const key in v) {
        const item = (v as Record<string, unknown>)[key];
        if (!Object.hasOwn(v, key) || item === undefined) continue;
        if ((!first && !add(',')) || !add(`${JSON.stringify(key)}:`) || !walk(item)) return false;
        first = false;
      }
      return add('}');
    }
    return add(JSON.stringify(v) ?? 'null');
  };
  walk(value);
  return out;
}

function quote(value: unknown): string {
  // Control characters, byte order marks and lone surrogates are shown escaped, never echoed as they came; a URL's
  // password is masked (`https://bob:[redacted]@…`), wherever the string is cut.
  const text = (typeof value === 'number' ? String(value) : jsonStart(value, 60, stripUrlCredentials)).replace(
    /[\u007f-\u009f\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function fieldName(location: FieldError['location'], path: string): string {
  if (path !== '') return path;
  return location === 'body' ? 'The request body' : `The ${location}`;
}

function oneIssue(input: FieldErrorsInput, location: FieldError['location'], issue: Issue): FieldError[] {
  const path = join(issue.path);
  const field = fieldName(location, path);
  const schema = schemaAt(input.schema, issue.path);
  if (issue.code === 'unrecognized_keys') {
    const allowed = objectKeys(schemaAt(input.schema, issue.path));
    const where = path === '' ? (location === 'body' ? 'the request body' : `the ${location}`) : path;
    // A name the client made up is quoted as a value is, cut short: a body of long unknown names must not come back
    // three times over (path, message, the problem's detail) in an answer larger than the request.
    return (issue.keys ?? []).map((key) => {
      const name = key.length > 60 ? `${key.slice(0, 57)}…` : key;
      return {
        location,
        path: join([...issue.path, name]),
        message: `${name} is not a field of ${where}${allowed.length > 0 ? `; its fields are ${allowed.join(', ')}` : ''}.`,
        code: 'unknown_field',
      };
    });
  }
  const sent = valueAt(input.input, issue.path);
  if (!validatorWording.test(issue.message)) {
    const message = /^[a-z]/.test(issue.message) ? `${field} ${issue.message}` : issue.message;
    return [{ location, path, message: `${message}${sent === undefined || typeof sent === 'object' ? '' : got(sent, issue.path)}.`, code: issue.code }];
  }
  if (sent === undefined) return [{ location, path, message: `${field} is required; it must be ${describeAccepted(schema)}.`, code: 'required' }];
  if (Array.isArray(sent) && (location === 'query' || location === 'header' || location === 'form'))
    return [{ location, path, message: `${field} must be given once, not ${sent.length} times.`, code: 'repeated' }];
  return [{ location, path, message: `${field} must be ${describeAccepted(schema)}${got(sent, issue.path)}.`, code: issue.code }];
}

/**
 * One field error per offending field, in words a person understands: the field, what it accepts, what was sent.
 * A field that breaks several checks (an amount beyond the safe integers is both "not an integer" and "too big")
 * is reported once; the platform's text rule is checked here too, for every string of the input.
 */
export function fieldErrors(input: FieldErrorsInput): FieldError[] {
  const location = locations[input.target] ?? 'body';
  const rule: Issue[] = textRuleBreaches(input.input).map((b) => ({ code: 'invalid_characters', path: b.path, message: b.message }));
  // The text rule first: for a name holding U+0000 that is the message to read, not "does not match the pattern".
  const all = [...rule, ...input.issues].flatMap((issue) => oneIssue(input, location, issue));
  const seen = new Set<string>();
  return all.filter((e) => {
    if (seen.has(`${e.location} ${e.path}`)) return false;
    seen.add(`${e.location} ${e.path}`);
    return true;
  });
}
