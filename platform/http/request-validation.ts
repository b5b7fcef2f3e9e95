import type { RouteConfig } from '@hono/zod-openapi';
import type { z } from 'zod';
import { fieldErrors } from './field-errors.ts';
import type { FieldError } from './problem.ts';
import { objectKeys } from './schema-walk.ts';
import { breaksTextRule } from './text-rules.ts';

type RequestConfig = NonNullable<RouteConfig['request']>;

/** The parts of a request a contract validates, in the order their errors are listed. */
export const requestTargets = ['param', 'query', 'header', 'json', 'form'] as const;
export type RequestTarget = (typeof requestTargets)[number];

/** A request's parts as received: strings for path, query, headers and form fields (as they travel), JSON parsed. */
export type RawRequest = Partial<Record<RequestTarget, unknown>>;

/** The problem a request that fails its contract gets: 400 listing every field, or 428 for a missing `If-Match`. */
export interface ValidationProblem {
  status: 400 | 428;
  code: string;
  detail: string;
  errors: FieldError[];
}

export function targetSchema(request: RequestConfig | undefined, target: string): z.ZodType | undefined {
  if (!request) return undefined;
  if (target === 'json') return (request.body?.content['application/json'] as { schema?: z.ZodType } | undefined)?.schema;
  if (target === 'form') return (request.body?.content['application/x-www-form-urlencoded'] as { schema?: z.ZodType } | undefined)?.schema;
  const byTarget: Record<string, unknown> = { query: request.query, param: request.params, header: request.headers, cookie: request.cookies };
  return byTarget[target] as z.ZodType | undefined;
}

/**
 * Query, path and header targets hold everything the request carried; only the fields the contract reads count.
 * Header names are matched without regard to case and reported as the contract spells them.
 */
export function readFields(value: unknown, schema: z.ZodType | undefined, target: string): unknown {
  if (target === 'json' || target === 'form' || typeof value !== 'object' || value === null) return value;
  const header = target === 'header';
  const keys = contractKeys(schema, header);
  const entries: [string, unknown][] = [];
  for (const [key, v] of Object.entries(value)) {
    const known = keys.get(header ? key.toLowerCase() : key);
    if (known !== undefined) entries.push([known, v]);
  }
  return Object.fromEntries(entries);
}

const keysOf = { header: new WeakMap<z.ZodType, Map<string, string>>(), other: new WeakMap<z.ZodType, Map<string, string>>() };

/** A target schema's field names, by the name a request spells them (lower case for headers); once per schema. */
function contractKeys(schema: z.ZodType | undefined, header: boolean): Map<string, string> {
  const cache = header ? keysOf.header : keysOf.other;
  let keys = schema ? cache.get(schema) : undefined;
  if (keys) return keys;
  keys = new Map(objectKeys(schema).map((key) => [header ? key.toLowerCase() : key, key]));
  if (schema) cache.set(schema, keys);
  return keys;
}

/** Every field error of every part of the request, so that one answer lists them all. */
export function requestFieldErrors(request: RequestConfig, raw: RawRequest): FieldError[] {
  const errors: FieldError[] = [];
  for (const target of requestTargets) {
    const schema = targetSchema(request, target);
    if (!schema) continue;
    const input = target === 'header' ? readFields(raw[target], schema, target) : raw[target];
    const parsed = schema.safeParse(input);
    const value = parsed.success ? parsed.data : readFields(raw[target], schema, target);
    errors.push(...fieldErrors({ target, issues: parsed.success ? [] : parsed.error.issues, input: value, schema }));
  }
  return errors;
}

/** The problem for a request whose fields failed: 428 when the only way out is sending `If-Match`, else 400. */
export function validationProblem(errors: FieldError[]): ValidationProblem {
  if (errors.some((e) => e.location === 'header' && e.path === 'if-match' && e.code === 'required')) {
    const detail = 'This operation changes a resource only if you say which version you read: send If-Match with its ETag (e.g. "v3"), or * to skip the check.';
    return { status: 428, code: 'http/precondition-required', detail, errors };
  }
  const names = errors.map((e) => e.path || e.location).join(', ');
  return {
    status: 400,
    code: 'http/validation-failed',
    detail: `The request has ${errors.length} invalid field${errors.length === 1 ? '' : 's'}: ${names}.`,
    errors,
  };
}

/**
 * Validates a request's parts against its contract the way the HTTP path does (the route's zod schemas, then the
 * platform's text rule over what they accepted): the parsed values, or the problem to answer.
 */
export function validateRequest(
  request: RequestConfig | undefined,
  raw: RawRequest,
): { data: Partial<Record<RequestTarget, unknown>> } | { problem: ValidationProblem } {
  const data: Partial<Record<RequestTarget, unknown>> = {};
  if (!request) return { data };
  for (const target of requestTargets) {
    const schema = targetSchema(request, target);
    if (!schema) continue;
    const parsed = schema.safeParse(target === 'header' ? readFields(raw[target], schema, target) : raw[target]);
    if (!parsed.success || breaksTextRule(parsed.data)) {
      const errors = requestFieldErrors(request, raw);
      if (errors.length > 0) return { problem: validationProblem(errors) };
    }
    data[target] = parsed.success ? parsed.data : undefined;
  }
  return { data };
}
