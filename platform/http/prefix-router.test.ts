import { RegExpRouter } from 'hono/router/reg-exp-router';
import { SmartRouter } from 'hono/router/smart-router';
import { TrieRouter } from 'hono/router/trie-router';
import { describe, expect, it } from 'vitest';
import { PrefixRouter } from './prefix-router.ts';

// As an app registers them: app-wide middleware, a module's middleware, routes, a module whose literal segment beside
// a parameter defeats the RegExpRouter, more app-wide middleware after some routes, a catch-all route.
const routes: [string, string][] = [
  ['ALL', '*'],
  ['ALL', '/catalog/*'],
  ['GET', '/catalog/v1/products'],
  ['GET', '/catalog/v1/products/:id'],
  ['POST', '/catalog/v1/products'],
  ['GET', '/identity/v1/users/me'],
  ['GET', '/identity/v1/users/:userId/contact'],
  ['DELETE', '/identity/v1/users/:userId'],
  ['ALL', '/*'],
  ['GET', '/health/live'],
  ['GET', '/:module/v1/about'],
  ['GET', '/'],
  ['ALL', '/identity/*'],
];
const paths: [string, string][] = [
  ['GET', '/catalog/v1/products'],
  ['GET', '/catalog/v1/products/42'],
  ['POST', '/catalog/v1/products'],
  ['DELETE', '/catalog/v1/products/42'],
  ['GET', '/identity/v1/users/me'],
  ['GET', '/identity/v1/users/u1/contact'],
  ['DELETE', '/identity/v1/users/u1'],
  ['GET', '/health/live'],
  ['GET', '/catalog/v1/about'],
  ['GET', '/elsewhere/v1/about'],
  ['GET', '/'],
  ['GET', '/nothing/here'],
];

/** The handlers (by registration index) and parameters a router matches, whatever its result's format. */
function matched(router: { match(method: string, path: string): unknown }, method: string, path: string) {
  const [handlers, stash] = router.match(method, path) as [[number, Record<string, unknown>][], string[] | undefined];
  return handlers.map(([index, params]) => ({
    index,
    params: stash ? Object.fromEntries(Object.entries(params).map(([name, at]) => [name, stash[at as number]])) : { ...params },
  }));
}

describe('PrefixRouter', () => {
  const prefix = new PrefixRouter<number>();
  const single = new SmartRouter<number>({ routers: [new RegExpRouter(), new TrieRouter()] });
  routes.forEach(([method, path], index) => {
    prefix.add(method, path, index);
    single.add(method, path, index);
  });

  it.each(paths)('%s %s: the same handlers, in the same order, with the same parameters as one router', (method, path) => {
    expect(matched(prefix, method, path)).toEqual(matched(single, method, path));
  });

  it('only the module whose patterns defeat the RegExpRouter falls back to the TrieRouter', () => {
    // Without a route whose first segment is a parameter (beside a literal one, it defeats the RegExpRouter anywhere).
    const modular = new PrefixRouter<number>();
    routes.forEach(([method, path], index) => path.startsWith('/:') || modular.add(method, path, index));
    for (const [method, path] of paths) modular.match(method, path);
    expect(single.name).toBe('SmartRouter + TrieRouter');
    expect(modular.settled()).toMatchObject({
      catalog: 'SmartRouter + RegExpRouter',
      health: 'SmartRouter + RegExpRouter',
      identity: 'SmartRouter + TrieRouter',
    });
  });
});
