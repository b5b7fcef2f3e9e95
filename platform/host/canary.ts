import { createHash } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { RolloutConfig } from '../config/index.ts';
import { CleaveError, principalOf, type AppEnv } from '../http/index.ts';
import type { Logger } from '../observability/index.ts';
import type { RolloutSetting } from '../registry/index.ts';
import { endUserOf } from '../security/index.ts';
import { forwardable, isRepeatable } from './gateway.ts';

export type CanarySide = 'local' | 'canary';

/**
 * Which side serves a request. The cohort header wins (`always`, `never`); then 0 and 100 are exact; between them a
 * sticky rollout hashes the client key to a point in [0, 100), so one client stays on one side for a given weight
 * and, as the weight grows, those already on the canary stay there. Without a key (or not sticky) it is a coin flip.
 */
export function canarySide(
  setting: RolloutSetting,
  module: string,
  cohort: string | undefined,
  clientKey: string | undefined,
  random = Math.random,
): CanarySide {
  if (cohort === 'always') return 'canary';
  if (cohort === 'never') return 'local';
  if (setting.weight <= 0) return 'local';
  if (setting.weight >= 100) return 'canary';
  const point = setting.sticky && clientKey !== undefined ? stickyPoint(module, clientKey) : random() * 100;
  return point < setting.weight ? 'canary' : 'local';
}

/** A client's fixed point in [0, 100) for a module: the first 32 bits of SHA-256(module, key). */
export function stickyPoint(module: string, clientKey: string): number {
  return (createHash('sha256').update(`${module}\u0000${clientKey}`).digest().readUInt32BE(0) / 2 ** 32) * 100;
}

export interface CanaryRoutingOptions {
  module: string;
  /** The setting in force now (read on every request, from the rollout store's copy). */
  setting(): RolloutSetting;
  header: RolloutConfig['header'];
  stickyKey: RolloutConfig['stickyKey'];
  /** Forwards the request to the module's extracted deployment (the gateway's forwarder, under its own breaker). */
  forward(c: Context<AppEnv>): Promise<Response>;
  log: Logger;
}

// Nothing reached the canary: serving the request here instead cannot do anything twice.
const notSent = new Set(['http/no-instance', 'http/circuit-open', 'http/upstream-saturated']);

/**
 * Splits the traffic of a module served here between this process and its extracted deployment (strangler fig).
 * Mounted after `authorize` (the subject is known) and before idempotency and the module's routes, so a forwarded
 * request is handled, keyed and answered entirely by the other side, against the same module database.
 */
export function canaryRouting(options: CanaryRoutingOptions): MiddlewareHandler<AppEnv> {
  const clientKey = (c: Context<AppEnv>): string | undefined => {
    const key = options.stickyKey;
    if (key.from === 'header') return c.req.header(key.name);
    if (key.from === 'cookie') return getCookie(c, key.name);
    return endUserOf(principalOf())?.subject;
  };
  // At most one warning every 10 s, counting the requests served here meanwhile.
  let warnedAt = 0;
  let fellBack = 0;
  const fallBack = (error: CleaveError) => {
    fellBack += 1;
    if (Date.now() - warnedAt < 10_000) return;
    warnedAt = Date.now();
    options.log.warn({ module: options.module, code: error.code, detail: error.message, requests: fellBack }, 'canary unavailable; its share served here');
    fellBack = 0;
  };
  return async (c, next) => {
    // What the gateway cannot forward (TRACE) is answered here on either side: the route's 405, not the gateway's 501.
    if (!forwardable(c.req.method)) return next();
    const setting = options.setting();
    const side = canarySide(setting, options.module, c.req.header(options.header), setting.sticky ? clientKey(c) : undefined);
    if (side === 'local') return next();
    try {
      return await options.forward(c);
    } catch (error) {
      if (!(error instanceof CleaveError) || !(notSent.has(error.code) || (error.code === 'http/upstream-unavailable' && isRepeatable(c.req.raw)))) throw error;
      // The canary is down or refusing: the local module serves (the same database), and the operator sees why.
      fallBack(error);
      return next();
    }
  };
}
