import type { Hook, RouteConfig } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { z } from 'zod';
import type { AppEnv } from './app-env.ts';
import { fieldErrors } from './field-errors.ts';
import { formObject } from './form-body.ts';
import { problem, problemResponse, type FieldError } from './problem.ts';
import { readFields, requestFieldErrors, requestTargets, targetSchema, validationProblem, type RawRequest } from './request-validation.ts';
import { breaksTextRule } from './text-rules.ts';

type Request = NonNullable<RouteConfig['request']>;

/** A target's input as its validator receives it. */
async function rawInput(c: Context<AppEnv>, target: (typeof requestTargets)[number]): Promise<unknown> {
  if (target === 'param') return c.req.param();
  if (target === 'header') return c.req.header();
  if (target === 'query') return Object.fromEntries(Object.entries(c.req.queries()).map(([k, v]) => [k, v.length === 1 ? v[0] : v]));
  if (target === 'form') {
    // Set by `formBody()` before any validator ran; a form route without a form body reads as no fields.
    const data = c.req.bodyCache.formData as unknown as Promise<FormData> | undefined;
    return data ? formObject(await data) : {};
  }
  if (!/^application\/([\w.-]+\+)?json\s*(;|$)/i.test(c.req.header('content-type') ?? '')) return {};
  return c.req.json().catch(() => undefined);
}

/** Every part of the request as its validators receive it. */
async function rawRequest(c: Context<AppEnv>, request: Request): Promise<RawRequest> {
  const raw: RawRequest = {};
  for (const target of requestTargets) if (targetSchema(request, target)) raw[target] = await rawInput(c, target);
  return raw;
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
  const schema = targetSchema(route?.request, result.target);
  // On failure `data` is the input as received (zod-validator passes it along), on success the parsed value.
  const data = readFields((result as { data?: unknown }).data, schema, result.target);
  if (result.success && !breaksTextRule(data)) return;
  const errors = route?.request
    ? requestFieldErrors(route.request, await rawRequest(c, route.request))
    : fieldErrors({ target: result.target, issues: result.success ? [] : (result.error as z.ZodError).issues, input: data, schema });
  if (errors.length === 0) return;
  const { status, code, detail } = validationProblem(errors);
  return respond(c, status, code, detail, errors);
};
