import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from './app-env.ts';
import { unreadBodyProblem } from './edge-headers.ts';
import { problem, problemResponse, type FieldError } from './problem.ts';
import { validationProblem } from './request-validation.ts';

const jsonType = /^application\/([\w.-]+\+)?json\s*(;|$)/i;

/** The deepest nesting of arrays and objects a JSON body may have; no contract comes near it. */
export const maxNestingDepth = 64;

/** What `checkJsonText` found wrong with a JSON text that may still parse. */
export type JsonTextFault = { kind: 'too-deep' } | { kind: 'repeated-member'; name: string } | { kind: 'inexact-number'; text: string; read: number };

interface Level {
  /** The member names seen so far, for an object; undefined for an array. */
  names: Set<string> | undefined;
  /** In an object, whether the next string is a member name. */
  expectName: boolean;
}

/**
 * One pass over JSON `text`, before it is parsed: whether it opens more than `depthLimit` arrays or objects inside one
 * another, or an object repeats a member name (RFC 8259 §4 leaves that to the parser: JSON.parse keeps the last,
 * another parser the first, so a gateway and a service could read different values; I-JSON, RFC 7493 §2.3, forbids
 * it). Brackets inside strings are not counted; names compare after unescaping (`"a"` and `"\u0061"` are one name).
 * On text that is not JSON the answer means nothing; parsing then refuses it.
 */
export function checkJsonText(text: string, depthLimit: number): JsonTextFault | undefined {
  const levels: Level[] = [];
  let top: Level | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const start = i;
      let escaped = false;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) {
          escaped = true;
          i++;
        } else if (d === 0x22) break;
      }
      if (top?.names === undefined || !top.expectName) continue;
      top.expectName = false;
      let name: string;
      try {
        name = escaped ? (JSON.parse(text.slice(start, i + 1)) as string) : text.slice(start + 1, i);
      } catch {
        return undefined;
      }
      if (top.names.has(name)) return { kind: 'repeated-member', name };
      top.names.add(name);
    } else if (c === 0x7b || c === 0x5b) {
      if (levels.length >= depthLimit) return { kind: 'too-deep' };
      top = { names: c === 0x7b ? new Set() : undefined, expectName: c === 0x7b };
      levels.push(top);
    } else if (c === 0x7d || c === 0x5d) {
      levels.pop();
      top = levels[levels.length - 1];
    } else if (c === 0x2c && top?.names !== undefined) top.expectName = true;
    else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      while (i + 1 < text.length && /[\d.eE+-]/.test(text.charAt(i + 1))) i++;
      const literal = text.slice(start, i + 1);
      const read = Number(literal);
      if (Number.isInteger(read) && fractionLost(literal)) return { kind: 'inexact-number', text: literal, read };
    }
  }
  return undefined;
}

/**
 * Whether a number written with a fraction that is not zero (`1999.9999999999999999`, `2.99999999999999999e0`) reads
 * as a whole number because a double cannot hold its digits: an integer field would take the rounded value silently.
 */
function fractionLost(literal: string): boolean {
  const match = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(literal);
  if (!match || (match[2] === undefined && match[3] === undefined)) return false;
  const digits = `${match[1]}${match[2] ?? ''}`;
  // Where the decimal point stands among the digits once the exponent has moved it.
  const point = (match[1] as string).length + Number(match[3] ?? 0);
  return point < digits.length && /[1-9]/.test(digits.slice(Math.max(point, 0)));
}

/**
 * Route middleware for operations that read a JSON body: the body is decoded as strict UTF-8 (RFC 8259 §8.1; no
 * silent U+FFFD for bytes that are not text) and parsed here, so a broken body gets a problem saying where, and the
 * validator then parses the same text.
 */
export function strictJson(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const type = c.req.header('content-type');
    if (type === undefined || !jsonType.test(type)) return next();
    const read = await readStrictJson(c, false);
    if (read instanceof Response) return read;
    // Hono keeps the body's promises in bodyCache (typed as their values); json() parses this text.
    c.req.bodyCache.text = Promise.resolve(read.text) as unknown as string;
    return next();
  };
}

/**
 * Route middleware for unsafe operations that declare no body: a client may send none, or `{}` (as a web client's
 * `fetch` with a JSON body often does), nothing else. Broken JSON is 400 `http/malformed-json`, like a body an
 * operation reads; any other value (members, an array) is 400 `http/validation-failed` naming what was sent, so no
 * bytes are silently ignored (an erasure sent with a body that says otherwise is not carried out).
 */
export function noBody(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.raw.body === null) return next();
    const read = await readStrictJson(c, true);
    if (read instanceof Response) return read;
    if (read.value === undefined) return next();
    const value = read.value;
    const members = typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.keys(value) : undefined;
    if (members?.length === 0) return next();
    const errors: FieldError[] =
      members === undefined
        ? [{ location: 'body', path: '', message: 'This operation takes no body: send none, or {}.', code: 'invalid_type' }]
        : // As the validator names unknown fields: at most 20, each cut at 60 characters, so the answer stays small.
          members.slice(0, 20).map((name) => {
            const shown = name.length > 60 ? `${name.slice(0, 60)}…` : name;
            return {
              location: 'body',
              path: shown,
              message: `Unrecognized field ${JSON.stringify(shown)}: this operation takes no body.`,
              code: 'unknown_field',
            };
          });
    const { status, code, detail } = validationProblem(errors);
    return problemResponse(c, problem({ status, code, detail, instance: c.req.path, requestId: c.get('requestId'), errors }));
  };
}

/**
 * The body as strict JSON text and its value (see `strictJson`; `undefined` for an empty body when allowed), or the
 * problem answer saying what is wrong with it.
 */
async function readStrictJson(c: Context<AppEnv>, emptyAllowed: boolean): Promise<{ text: string; value: unknown } | Response> {
  const refuse = (detail: string) =>
    problemResponse(c, problem({ status: 400, code: 'http/malformed-json', detail, instance: c.req.path, requestId: c.get('requestId') }));
  let bytes: ArrayBuffer;
  try {
    bytes = await c.req.arrayBuffer();
  } catch {
    return problemResponse(c, problem({ ...unreadBodyProblem(c, 'http/malformed-json'), instance: c.req.path, requestId: c.get('requestId') }));
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return refuse('The request body is not valid UTF-8; JSON is exchanged as UTF-8 (RFC 8259 §8.1).');
  }
  if (text.trim() === '') return emptyAllowed ? { text, value: undefined } : refuse('The request body is empty; this operation needs a JSON body.');
  // Checked before parsing: every later walk over the value (text rules, validation) recurses, and a few kilobytes
  // of `[[[[…` would otherwise overflow the stack (a 500) after seconds of work that holds up every other request.
  const fault = checkJsonText(text, maxNestingDepth);
  if (fault?.kind === 'too-deep')
    return refuse(`The request body nests arrays and objects more than ${maxNestingDepth} levels deep, which this API does not accept (RFC 8259 §9).`);
  if (fault?.kind === 'repeated-member')
    return refuse(
      `The request body repeats the member ${JSON.stringify(fault.name.length > 64 ? `${fault.name.slice(0, 64)}…` : fault.name)} in one object; each name may appear once (I-JSON, RFC 7493 §2.3).`,
    );
  if (fault?.kind === 'inexact-number')
    return refuse(
      `The request body's number ${fault.text.length > 64 ? `${fault.text.slice(0, 64)}…` : fault.text} has more digits than a number here can hold: it would be read as ${fault.read}. Send it exactly, with at most 15 significant digits.`,
    );
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return refuse(`The request body is not valid JSON: ${(error as Error).message}.`);
  }
  return { text, value };
}
