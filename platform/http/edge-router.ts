import type { Context, ErrorHandler, MiddlewareHandler, Next } from 'hono';
import type { Result, Router } from 'hono/router';

const resolved = Promise.resolve();

/** A handler as Hono registers it in its router: the function and its route (`[handler, RouterRoute]`). */
type Registered = [handler: (c: Context, next: Next) => unknown, route: unknown];

/**
 * Wraps the app's router so that a path matching exactly the edge middleware and one route handler is handed to Hono
 * as one handler, the edge around the route. Hono runs two or more matched handlers through `compose`: an async
 * function per handler, each awaiting the next, and an async wrapper around them all; a single one it calls
 * directly. Every contract route of the app matches two (the edge, `app.use`, and the route's own, whose validation
 * and middleware `validateReadsAtOnce` merged into one), so each request paid for three more promises and their
 * awaits, each also an async-hooks `init` under AsyncLocalStorage: 3–5 % of a request's CPU in the HTTP bench.
 *
 * The pair keeps `compose`'s semantics: the route's returned answer becomes the response unless one was already set,
 * an `Error` it throws or rejects with goes to the app's error handler (whose answer the edge then sees, logs and
 * sends), anything else thrown propagates. The route's parameters and its `RouterRoute` (what `matchedRoutes` and the
 * route's marks read) stay those of the route; the edge's `*` entry is left out of the match. Paths matching anything
 * else (module middleware, canary routing, not-found) go through `compose` as before.
 */
export class EdgeRouter<T> implements Router<T> {
  readonly name: string;
  /** Set together by `around`: the edge to merge and the app's error handler. */
  #around: { edge: MiddlewareHandler; onError: ErrorHandler } | undefined;
  /** The merged handler of each route's registered entry, for the current edge. */
  #pairs = new WeakMap<object, Registered>();

  readonly inner: Router<T>;

  constructor(inner: Router<T>) {
    this.inner = inner;
    this.name = `EdgeRouter + ${inner.name}`;
  }

  /** The edge middleware (as given to `app.use`) to merge with the route after it, and the app's error handler. */
  around(edge: MiddlewareHandler, onError: ErrorHandler): void {
    this.#around = { edge, onError };
    this.#pairs = new WeakMap();
  }

  add(method: string, path: string, handler: T): void {
    this.inner.add(method, path, handler);
  }

  match(method: string, path: string): Result<T> {
    const result = this.inner.match(method, path);
    const entries = result[0] as unknown as [Registered, unknown][];
    const around = this.#around;
    if (entries.length !== 2 || around === undefined || entries[0]![0][0] !== around.edge) return result;
    const [route, params] = entries[1]!;
    let pair = this.#pairs.get(route);
    if (!pair) {
      pair = [paired(around.edge, around.onError, route[0]), route[1]];
      this.#pairs.set(route, pair);
    }
    const merged = [[pair, params]] as unknown as Result<T>[0];
    return (result.length === 2 ? [merged, result[1]] : [merged]) as Result<T>;
  }
}

/** `edge` around `handler`, with `compose`'s handling of the handler's answer and errors (see `EdgeRouter`). */
function paired(edge: MiddlewareHandler, onError: ErrorHandler, handler: Registered[0]): Registered[0] {
  const failed = (c: Context, error: unknown): Promise<void> => {
    if (!(error instanceof Error)) return Promise.reject(error);
    c.error = error;
    return Promise.resolve(onError(error, c)).then((answer) => {
      if (answer) c.res = answer;
    });
  };
  const settle = (c: Context, answer: unknown): Promise<void> => {
    if (answer && !c.finalized) c.res = answer as Response;
    // What Hono's own dispatch throws after `compose` when nothing answered (its single-handler path would answer
    // 404 instead); here the edge gets the error's answer, so the access log has the status sent.
    if (!c.finalized) return failed(c, new Error('Context is not finalized. Did you forget to return a Response object or `await next()`?'));
    return resolved;
  };
  const route = (c: Context, next: Next): Promise<void> => {
    let answer: unknown;
    try {
      answer = handler(c, next);
    } catch (error) {
      return failed(c, error);
    }
    if (answer instanceof Promise)
      return answer.then(
        (value) => settle(c, value),
        (error) => failed(c, error),
      );
    return settle(c, answer);
  };
  return (c, next) => edge(c, () => route(c, next));
}
