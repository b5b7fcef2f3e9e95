import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './app-env.ts';
import { problem, problemResponse } from './problem.ts';

const jsonType = /^application\/([\w.-]+\+)?json\s*(;|$)/i;

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
