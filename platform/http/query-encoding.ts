import type { Context } from 'hono';
import type { AppEnv } from './app-env.ts';
import { problem, problemResponse, type FieldError } from './problem.ts';
import { validationProblem } from './request-validation.ts';

/**
 * The query names and values that are not valid percent-encoding of UTF-8 (RFC 3986 §2.1; `%ff`, `%E`, an encoded lone
 * surrogate): the router would hand them on undecoded, as if the client had meant the literal text. Cut at 60
 * characters. Only URLs whose query holds a `%` are looked at.
 */
export function malformedQueryFields(url: string): string[] {
  const start = url.indexOf('?');
  if (start < 0 || url.indexOf('%', start) < 0) return [];
  const end = url.indexOf('#', start);
  const query = url.slice(start + 1, end < 0 ? undefined : end);
  const bad: string[] = [];
  for (const pair of query.split('&')) {
    if (!pair.includes('%')) continue;
    const at = pair.indexOf('=');
    const name = at < 0 ? pair : pair.slice(0, at);
    const decode = (text: string) => decodeURIComponent(text.replaceAll('+', ' '));
    try {
      decode(name);
      if (at >= 0) decode(pair.slice(at + 1));
    } catch {
      let shown: string;
      try {
        shown = decode(name);
      } catch {
        shown = name;
      }
      bad.push(shown.length > 60 ? `${shown.slice(0, 60)}…` : shown);
    }
  }
  return bad;
}

/** For an operation with a query: a 400 naming each query field that is not valid percent-encoding, else undefined. */
export function refuseMalformedQuery(c: Context<AppEnv>): Response | undefined {
  const bad = malformedQueryFields(c.req.url);
  if (bad.length === 0) return undefined;
  const errors: FieldError[] = bad.map((name) => ({
    location: 'query',
    path: name,
    message: `${name} is not valid percent-encoding of UTF-8 text (RFC 3986 §2.1), e.g. %C3%A9 for é.`,
    code: 'invalid_characters',
  }));
  const { status, code, detail } = validationProblem(errors);
  return problemResponse(c, problem({ status, code, detail, instance: c.req.path, requestId: c.get('requestId'), errors }));
}
