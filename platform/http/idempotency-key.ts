import { z } from '@hono/zod-openapi';

/**
 * The `Idempotency-Key` request header (IETF draft-ietf-httpapi-idempotency-key-header): a Structured Fields
 * string (`"…"`, RFC 9651) of up to 255 printable ASCII characters, or, as many clients send it, the same without
 * quotes when it is a plain token such as a UUID.
 */
const quotedBody = String.raw`"(?:[\x20\x21\x23-\x5B\x5D-\x7E]|\\["\\]){1,255}"`;
const bareBody = '[A-Za-z0-9._~:+/=-]{1,255}';
const quoted = new RegExp(`^${quotedBody}$`);
const bare = new RegExp(`^${bareBody}$`);

/** The key a header value names (quotes and escapes removed), or undefined when it is not a valid key. */
export function parseIdempotencyKey(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (bare.test(value)) return value;
  if (quoted.test(value)) return value.slice(1, -1).replace(/\\(["\\])/g, '$1');
  return undefined;
}

export const idempotencyKeyPattern = `^(?:${quotedBody}|${bareBody})$`;

export const idempotencyKeyHeader = z
  .string()
  .regex(new RegExp(idempotencyKeyPattern), 'must be a string of 1 to 255 printable ASCII characters in double quotes, or a plain token such as a UUID')
  .optional()
  .openapi({
    param: { name: 'Idempotency-Key', in: 'header' },
    description:
      'Makes a retry of this request safe. The first request with a key is processed and its answer stored (with the ' +
      'effect, in one transaction); a repeat with the same key and the same request gets that answer again (with ' +
      '`Idempotent-Replayed: true`), one with a different request gets 422, and one while the first is still being ' +
      'processed gets 409. Keys are scoped by caller, method and path, and kept for the configured time (24 hours by default).',
    example: '"8e03978e-40d5-43e8-bc93-6894a57f9324"',
  });
