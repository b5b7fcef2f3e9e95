import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from './app-env.ts';
import { unreadBodyProblem } from './edge-headers.ts';
import { problem, problemResponse } from './problem.ts';
import { markRoute } from './route-marks.ts';

export const formMediaType = 'application/x-www-form-urlencoded';
const formType = /^application\/x-www-form-urlencoded\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

/** Decodes one `name` or `value` of a form (WHATWG urlencoded): `+` is a space, `%XX` must make UTF-8. */
function decodePart(part: string): string {
  return decodeURIComponent(part.replaceAll('+', ' '));
}

/** A form body's fields in order; throws on a broken percent escape or bytes that are not UTF-8. */
export function parseForm(text: string): [string, string][] {
  if (text === '') return [];
  return text
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq < 0 ? [decodePart(pair), ''] : [decodePart(pair.slice(0, eq)), decodePart(pair.slice(eq + 1))];
    });
}

/** A form as the validator reads it: one string per field, an array for a repeated one. */
export function formObject(fields: Iterable<[string, FormDataEntryValue]>): Record<string, unknown> {
  const form: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [key, value] of fields) {
    const previous = form[key];
    form[key] = previous === undefined ? value : Array.isArray(previous) ? [...(previous as unknown[]), value] : [previous, value];
  }
  return form;
}

function refuse(c: Context<AppEnv>, status: 400 | 408 | 415, code: string, detail: string): Response {
  const headers: Record<string, string> = status === 415 ? { 'accept-post': formMediaType } : {};
  return problemResponse(c, problem({ status, code, detail, instance: c.req.path, requestId: c.get('requestId') }), headers);
}

/**
 * Route middleware for operations that read an `application/x-www-form-urlencoded` body (OAuth 2.0 endpoints,
 * RFC 6749 §3.2): another media type is 415, a body that is not UTF-8 or has a broken escape is 400
 * `http/malformed-form`; the fields are parsed here, strictly, and handed to the validator. Marks the route so the
 * app's JSON-only rule lets its form bodies through.
 */
export function formBody(): MiddlewareHandler<AppEnv> {
  return markRoute(
    async (c, next) => {
      const type = c.req.header('content-type');
      let bytes: ArrayBuffer;
      try {
        bytes = await c.req.arrayBuffer();
      } catch {
        const { status, code, detail } = unreadBodyProblem(c, 'http/malformed-form');
        return refuse(c, status, code, detail);
      }
      if (type === undefined ? bytes.byteLength > 0 : !formType.test(type)) {
        return refuse(c, 415, 'http/unsupported-media-type', `Send the body as ${formMediaType} in UTF-8${type ? `, not ${type}` : ''}.`);
      }
      let fields: [string, string][];
      try {
        fields = parseForm(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
      } catch {
        return refuse(c, 400, 'http/malformed-form', 'The form body is not valid: a % escape is broken or the bytes are not UTF-8.');
      }
      const data = new FormData();
      for (const [name, value] of fields) data.append(name, value);
      // Hono keeps the body's promises in bodyCache (typed as their values); its form validator reads this one.
      c.req.bodyCache.formData = Promise.resolve(data) as unknown as FormData;
      return next();
    },
    { formBody: true },
  );
}
