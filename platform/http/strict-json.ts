import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './app-env.ts';
import { problem, problemResponse } from './problem.ts';

const jsonType = /^application\/([\w.-]+\+)?json\s*(;|$)/i;

/** The deepest nesting of arrays and objects a JSON body may have; no contract comes near it. */
export const maxNestingDepth = 64;

/**
 * Whether JSON `text` opens more than `limit` arrays or objects inside one another: one pass over the text, brackets
 * inside strings not counted. On text that is not JSON the answer means nothing; parsing then refuses it.
 */
export function nestingDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
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
    const refuse = (detail: string) =>
      problemResponse(c, problem({ status: 400, code: 'http/malformed-json', detail, instance: c.req.path, requestId: c.get('requestId') }));
    let bytes: ArrayBuffer;
    try {
      bytes = await c.req.arrayBuffer();
    } catch {
      return refuse('The request body could not be read to its end.');
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return refuse('The request body is not valid UTF-8; JSON is exchanged as UTF-8 (RFC 8259 §8.1).');
    }
    if (text.trim() === '') return refuse('The request body is empty; this operation needs a JSON body.');
    // Checked before parsing: every later walk over the value (text rules, validation) recurses, and a few kilobytes
    // of `[[[[…` would otherwise overflow the stack (a 500) after seconds of work that holds up every other request.
    if (nestingDepthExceeds(text, maxNestingDepth))
      return refuse(`The request body nests arrays and objects more than ${maxNestingDepth} levels deep, which this API does not accept (RFC 8259 §9).`);
    try {
      JSON.parse(text);
    } catch (error) {
      return refuse(`The request body is not valid JSON: ${(error as Error).message}.`);
    }
    // Hono keeps the body's promises in bodyCache (typed as their values); json() parses this text.
    c.req.bodyCache.text = Promise.resolve(text) as unknown as string;
    return next();
  };
}
