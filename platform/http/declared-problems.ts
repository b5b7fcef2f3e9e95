import type { RouteConfig } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from './app-env.ts';
import type { Problem } from './problem.ts';

/** What the request's matched operation declared: set by `contractRoute`'s middleware, read by the mappers. */
export interface RouteContract {
  /** `POST /catalog/v1/products`, for log lines. */
  operation: string;
  request: RouteConfig['request'];
  problems: Readonly<Record<number, readonly string[]>>;
  /** Whether the operation takes `Idempotency-Key`. */
  idempotencyKey: boolean;
}

/** What happens to a problem an operation did not declare: replaced by a 500 (`fail`, for tests) or only logged. */
export type UndeclaredProblems = 'fail' | 'log';

/**
 * Route middleware: the rest of the request knows which operation it is and what it may answer; `refuse` may answer
 * instead, before anything else about the operation runs.
 */
export function declareRoute(contract: RouteContract, refuse?: (c: Context<AppEnv>) => Response | undefined): MiddlewareHandler<AppEnv> {
  const declare: MiddlewareHandler<AppEnv> = (c, next) => {
    c.set('route', contract);
    // A check of the raw request the validators cannot make (they see it decoded), answered as theirs would be.
    const refused = refuse?.(c);
    return refused ? Promise.resolve(refused) : next();
  };
  declarations.set(declare, contract);
  return declare;
}

const declarations = new WeakMap<object, RouteContract>();

/** The contract `middleware` declares, when it is `declareRoute`'s (which does nothing else, and nothing after `next`). */
export function declaredBy(middleware: unknown): RouteContract | undefined {
  return typeof middleware === 'function' ? declarations.get(middleware) : undefined;
}

/**
 * The problem as declared, or, when the operation did not declare its status and code, an error in the log and
 * (in `fail` mode) a 500 `http/undeclared-problem` in its place, so that a test meeting it fails. Requests that
 * matched no contract route (unknown paths, the platform's own 413 and 415 before routing) pass unchecked.
 */
export function enforceDeclared(c: Context<AppEnv>, body: Problem): Problem {
  const route = c.get('route');
  if (!route || route.problems[body.status]?.includes(body.code)) return body;
  const declared = Object.entries(route.problems)
    .map(([status, codes]) => `${status} ${codes.join('|')}`)
    .join(', ');
  c.get('logger')?.error(
    { requestId: c.get('requestId'), operation: route.operation, status: body.status, code: body.code, declared },
    'undeclared problem: the operation does not declare this status and code',
  );
  if (c.get('undeclaredProblems') === 'log') return body;
  return {
    type: 'urn:cleave:problem:http/undeclared-problem',
    title: 'Internal Server Error',
    status: 500,
    code: 'http/undeclared-problem',
    detail: `${route.operation} answered ${body.status} ${body.code}, which its contract does not declare.`,
    ...(body.instance === undefined ? {} : { instance: body.instance }),
    ...(body.requestId === undefined ? {} : { requestId: body.requestId }),
  };
}
