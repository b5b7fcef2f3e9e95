import type { OpenAPIHono, RouteConfig } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import type { z } from 'zod';
import type { AppEnv } from './app-env.ts';
import { declaredBy } from './declared-problems.ts';
import { readFields } from './request-validation.ts';
import { markRoute, marksOf } from './route-marks.ts';
import { objectKeys } from './schema-walk.ts';
import { breaksTextRule } from './text-rules.ts';
import { validationHook } from './validation-hook.ts';

type Target = 'query' | 'param' | 'header';
type Part = { target: Target; schema: z.ZodType; keymap: Map<string, string> | undefined };
// The hook's parameters as zod-openapi passes them; only its own problem answers come back.
type HookResult = Parameters<typeof validationHook>[0];

/**
 * Registers contract routes with no body and no cookies (reads: GET, and DELETE without a body) with one validating
 * middleware that parses path, query and headers synchronously, instead of zod-openapi's validator per part (each an
 * async function around an async zod parse and an async hook: a chain of promises per request, every one of them
 * dearer under AsyncLocalStorage's hooks). Same checks, same values, same answers: the parts in zod-openapi's order,
 * each read as Hono's validator reads it (header names matched to the contract's spelling as zod-validator does),
 * parsed by the route's schema, held to the text rule; the first that fails goes to the same hook
 * (`validationHook`), which answers for every part at once. A schema that needs an async parse (an async refinement)
 * falls back to it. Other routes (with a body, cookies or a hook of their own) are registered by zod-openapi itself.
 */
export function validateReadsAtOnce(router: OpenAPIHono<AppEnv>): void {
  const register = router.openapi.bind(router) as (route: RouteConfig, handler: unknown, ...rest: unknown[]) => unknown;
  (router as { openapi: unknown }).openapi = (route: RouteConfig & { hide?: boolean }, handler: unknown, ...rest: unknown[]) => {
    const request = route.request;
    if (rest.length > 0 || request?.body !== undefined || request?.cookies !== undefined) return register(route, handler, ...rest);
    const { middleware, hide, ...documented } = route;
    if (!hide) router.openAPIRegistry.registerPath(documented);
    const parts: Part[] = [];
    for (const [target, schema] of [
      ['query', request?.query],
      ['param', request?.params],
      ['header', request?.headers],
    ] as const)
      if (schema) parts.push({ target, schema: schema as z.ZodType, keymap: target === 'header' ? headerKeymap(schema as z.ZodType) : undefined });
    const own = (middleware === undefined ? [] : [middleware].flat()) as MiddlewareHandler<AppEnv>[];
    const path = route.path.replaceAll(/\/{(.+?)}/g, '/:$1');
    router.on([route.method], [path], ...layers(own, parts, handler as Handler));
    return router;
  };
}

type Handler = (c: Context<AppEnv>, next: Next) => unknown;

/**
 * The route's handlers as Hono runs them. When the route's last middleware is `contractRoute`'s declaration (no
 * middleware of its own after it), the declaration, the validation and the handler are one function: each does its
 * work before the next and nothing after it, so running them in turn answers as Hono's compose would (a refusal
 * returned, an error thrown to the same error handler), with two dispatches fewer and their promises. That function
 * carries the declaration's route marks (access, idempotency), which the app-wide middleware looks up by handler.
 */
function layers(own: MiddlewareHandler<AppEnv>[], parts: readonly Part[], handler: Handler): MiddlewareHandler<AppEnv>[] {
  const validate = parts.length > 0 ? validateParts(parts) : undefined;
  const last = own.at(-1);
  if (!last || !declaredBy(last)) return [...own, ...(validate ? [validate as MiddlewareHandler<AppEnv>] : []), handler as MiddlewareHandler<AppEnv>];
  // The declaration itself, whose `next` validates and then handles (its answer handed back through `next`).
  const read: MiddlewareHandler<AppEnv> = (c, next) =>
    last(c, (() => (validate ? validate(c, () => handler(c, next)) : handler(c, next))) as Parameters<MiddlewareHandler<AppEnv>>[1]);
  return [...own.slice(0, -1), markRoute(read, marksOf(last) ?? {})];
}

type Parsed = { success: boolean; data?: unknown; error?: unknown };
/** What follows the validation: the next middleware, or the handler itself (whose answer is handed back). */
type Next = () => unknown;

function validateParts(parts: readonly Part[]): (c: Context<AppEnv>, next: Next) => unknown {
  return (c, next) => {
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as Part;
      const value = input(c, part);
      let result: Parsed;
      try {
        result = part.schema.safeParse(value);
      } catch {
        // An async refinement or transform: the same parse, awaited, from this part on.
        return validateAsync(c, parts, i, next);
      }
      if (!result.success || breaksTextRule(readFields(result.data, part.schema, part.target))) return askHook(c, parts, i, value, result, next);
      c.req.addValidatedData(part.target, result.data as object);
    }
    return next();
  };
}

async function validateAsync(c: Context<AppEnv>, parts: readonly Part[], from: number, next: Next): Promise<unknown> {
  for (let i = from; i < parts.length; i++) {
    const part = parts[i] as Part;
    const value = input(c, part);
    const result: Parsed = await part.schema.safeParseAsync(value);
    if (!result.success || breaksTextRule(readFields(result.data, part.schema, part.target))) return askHook(c, parts, i, value, result, next);
    c.req.addValidatedData(part.target, result.data as object);
  }
  return next();
}

/**
 * A part that failed, or broke the text rule: the hook's answer (a 400 or 428 for the whole request), as zod-validator
 * asks it; without one, a failed parse is zod-validator's plain 400 and a passed one goes on.
 */
async function askHook(c: Context<AppEnv>, parts: readonly Part[], at: number, value: unknown, result: Parsed, next: Next): Promise<unknown> {
  const part = parts[at] as Part;
  const hooked = await validationHook({ data: value, ...result, target: part.target } as HookResult, c as never);
  if (hooked instanceof Response) return hooked;
  if (!result.success) return c.json(result, 400);
  c.req.addValidatedData(part.target, result.data as object);
  return validateAsync(c, parts, at + 1, next);
}

/** A part of the request as Hono's validator reads it. */
function input(c: Context<AppEnv>, part: Part): unknown {
  if (part.target === 'param') return c.req.param();
  if (part.target === 'query') return Object.fromEntries(Object.entries(c.req.queries()).map(([k, v]) => (v.length === 1 ? [k, v[0]] : [k, v])));
  const headers = c.req.header();
  const keymap = part.keymap;
  if (!keymap) return headers;
  // zod-validator: header names as the contract spells them, the others kept.
  const named: Record<string, unknown> = {};
  for (const key in headers) named[keymap.get(key) ?? key] = headers[key];
  return named;
}

function headerKeymap(schema: z.ZodType): Map<string, string> | undefined {
  const keys = objectKeys(schema);
  return keys.length === 0 ? undefined : new Map(keys.map((key) => [key.toLowerCase(), key]));
}
