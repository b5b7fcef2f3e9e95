import type { Result, Router } from 'hono/router';
import { RegExpRouter } from 'hono/router/reg-exp-router';
import { SmartRouter } from 'hono/router/smart-router';
import { TrieRouter } from 'hono/router/trie-router';

type Route<T> = [method: string, path: string, handler: T];

/**
 * Hono's default router, one per first path segment. Hono's `SmartRouter` picks one router for the whole app: the
 * `RegExpRouter` (one regular expression per method, handler lists made in advance) unless a single route pattern
 * defeats it (Hono 4.13's refuses a literal segment beside a parameter, `/users/me` beside `/users/:id/contact`),
 * and then the `TrieRouter`, which walks the tree and sorts the matched handlers on every request. Cleave's paths
 * start with the module's name, so one module's routes can only match its own paths: given a router of its own,
 * a module whose patterns defeat the `RegExpRouter` costs itself the slower router, not every other module.
 *
 * Routes whose first segment is not literal (`*`, `/*`, `/:param`) may match any path: each segment's router gets
 * them too, in the order they were added among that segment's own, so every path matches the same handlers in the
 * same order as under one router.
 */
export class PrefixRouter<T> implements Router<T> {
  name = 'PrefixRouter';
  readonly #routers = new Map<string, Router<T>>();
  /** Every route added so far that may match any path, in order: replayed into a segment's router when it is made. */
  readonly #anywhere: Route<T>[] = [];
  /** For paths whose first segment no route names. */
  readonly #rest = this.#router();

  add(method: string, path: string, handler: T): void {
    const segment = literalSegment(path);
    if (segment === undefined) {
      this.#anywhere.push([method, path, handler]);
      this.#rest.add(method, path, handler);
      for (const router of this.#routers.values()) router.add(method, path, handler);
      return;
    }
    let router = this.#routers.get(segment);
    if (!router) {
      router = this.#router();
      for (const route of this.#anywhere) router.add(...route);
      this.#routers.set(segment, router);
    }
    router.add(method, path, handler);
  }

  match(method: string, path: string): Result<T> {
    const end = path.indexOf('/', 1);
    const segment = end === -1 ? path.slice(1) : path.slice(1, end);
    return (this.#routers.get(segment) ?? this.#rest).match(method, path);
  }

  /** Which router each first segment settled on, once it matched a path (`SmartRouter + RegExpRouter`). */
  settled(): Record<string, string> {
    return Object.fromEntries([...this.#routers].map(([segment, router]) => [segment, router.name]));
  }

  #router(): Router<T> {
    return new SmartRouter<T>({ routers: [new RegExpRouter<T>(), new TrieRouter<T>()] });
  }
}

/** The first segment of a route pattern when it is literal text (`catalog` in `/catalog/v1/products/:id`). */
function literalSegment(path: string): string | undefined {
  if (!path.startsWith('/')) return undefined;
  const end = path.indexOf('/', 1);
  const segment = end === -1 ? path.slice(1) : path.slice(1, end);
  // A parameter, a wildcard or an optional part may stand for any first segment.
  return /[:*?{}]/.test(segment) ? undefined : segment;
}
