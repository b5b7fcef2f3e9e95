import type { Hook, RouteConfig } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { z } from 'zod';
import type { AppEnv } from './app-env.ts';
import { fieldErrors } from './field-errors.ts';
import { problem, problemResponse, type FieldError } from './problem.ts';
import { objectKeys } from './schema-walk.ts';
import { textRuleBreaches } from './text-rules.ts';

type Request = NonNullable<RouteConfig['request']>;

/** The validator targets in the order their errors are listed: where the request goes, then what it carries. */
const targets = ['param', 'query', 'header', 'json'] as const;

function schemaOf(request: Request | undefined, target: string): z.ZodType | undefined {
  if (!request) return undefined;
  if (target === 'json') return (request.body?.content['application/json'] as { schema?: z.ZodType } | undefined)?.schema;
  const byTarget: Record<string, unknown> = { query: request.query, param: request.params, header: request.headers, cookie: request.cookies };
  return byTarget[target] as z.ZodType | undefined;
}

/**
 * Query, path and header targets hold everything the request carried; only the fields the contract reads count.
 * Header names are matched without regard to case and reported as the contract spells them.
 */
function readFields(value: unknown, schema: z.ZodType | undefined, target: string): unknown {
  if (target === 'json' || target === 'form' || typeof value !== 'object' || value === null) return value;
  const keys = new Map(objectKeys(schema).map((key) => [target === 'header' ? key.toLowerCase() : key, key]));
  return Object.fromEntries(
    Object.entries(value).flatMap(([key, v]) => {
      const known = keys.get(target === 'header' ? key.toLowerCase() : key);
      return known === undefined ? [] : [[known, v]];
    }),
  );
}

/** A target's input as its validator receives it. */
async function rawInput(c: Context<AppEnv>, target: (typeof targets)[number]): Promise<unknown> {
  if (target === 'param') return c.req.param();
  if (target === 'header') return c.req.header();
  if (target === 'query') return Object.fromEntries(Object.entries(c.req.queries()).map(([k, v]) => [k, v.length === 1 ? v[0] : v]));
  if (!/^application\/([\w.-]+\+)?json\s*(;|$)/i.test(c.req.header('content-type') ?? '')) return {};
  return c.req.json().catch(() => undefined);
}

/** Every field error of every target of the operation, so that one answer lists them all. */
async function allFieldErrors(c: Context<AppEnv>, request: Request): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  for (const target of targets) {
    const schema = schemaOf(request, target);
    if (!schema) continue;
    const raw = await rawInput(c, target);
    const parsed = schema.safeParse(target === 'header' ? readFields(raw, schema, target) : raw);
    const input = parsed.success ? parsed.data : readFields(raw, schema, target);
    errors.push(...fieldErrors({ target, issues: parsed.success ? [] : parsed.error.issues, input, schema }));
  }
  return errors;
}

function respond(c: Context<AppEnv>, status: 400 | 428, code: string, detail: string, errors: FieldError[]): Response {
  return problemResponse(c, problem({ status, code, detail, instance: c.req.path, requestId: c.get('requestId'), errors }));
}

/**
 * The zod-openapi `defaultHook`: a request that fails its contract becomes one 400 problem listing every offending
 * field of every part of the request (path, query, headers, body), each with a message a person can act on.
 * Strings that pass their schema are still held to the platform's text rule. A missing `If-Match` that the
 * operation requires is 428 Precondition Required (RFC 6585 §3).
 */
export const validationHook: Hook<unknown, AppEnv, string, unknown> = async (result, c) => {
  const route = c.get('route');
  const schema = schemaOf(route?.request, result.target);
  // On failure `data` is the input as received (zod-validator passes it along), on success the parsed value.
  const data = readFields((result as { data?: unknown }).data, schema, result.target);
  if (result.success && textRuleBreaches(data).length === 0) return;
  const errors = route?.request
    ? await allFieldErrors(c, route.request)
    : fieldErrors({ target: result.target, issues: result.success ? [] : (result.error as z.ZodError).issues, input: data, schema });
  if (errors.length === 0) return;
  if (errors.some((e) => e.location === 'header' && e.path === 'if-match' && e.code === 'required')) {
    const detail = 'This operation changes a resource only if you say which version you read: send If-Match with its ETag (e.g. "v3"), or * to skip the check.';
    return respond(c, 428, 'http/precondition-required', detail, errors);
  }
  const names = errors.map((e) => e.path || e.location).join(', ');
  return respond(c, 400, 'http/validation-failed', `The request has ${errors.length} invalid field${errors.length === 1 ? '' : 's'}: ${names}.`, errors);
};
