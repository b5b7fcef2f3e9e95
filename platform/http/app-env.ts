import type { Logger } from '../observability/index.ts';
import type { Principal } from '../security/principal.ts';
import type { RouteContract, UndeclaredProblems } from './declared-problems.ts';

/** What every Cleave request context carries. */
export interface AppVariables {
  requestId: string;
  /** The process logger; use `requestLog(c)` for one that carries the request's ids. */
  logger: Logger;
  /** Set by `requestLog(c)` on first use. */
  log: Logger | undefined;
  /** The module the path belongs to, if any. */
  module: string | undefined;
  /** The contract operation the request matched, once routing reached it. */
  route: RouteContract | undefined;
  /** What a problem the operation did not declare turns into. */
  undeclaredProblems: UndeclaredProblems;
  /** The problem code of the answer, once one was made (metrics count errors by it). */
  problem?: string;
  /**
   * The `Authorization` header's bearer token (`false`: a header of another scheme), kept by the first guard that reads
   * it (`requestBearer`): the rate limiter and authorization both ask.
   */
  bearer?: string | false;
  /** The authenticated caller, on routes that are not public. */
  principal: Principal | undefined;
  /**
   * Set by the rate limiter (absent when it is off): counts the request against the budget of the caller that
   * authentication has just verified (`clientBudget`: a user's own within its client, a machine client's own; a
   * module's own, against the per-module policy when `kind` is `module`), and gives the 429 to answer once that
   * budget is spent. Fails open. Answers at once (no promise) when the budget is counted in this process.
   *
   * @example
   * const refused = await c.get('limitClient')?.(clientBudget(principal), principal.kind === 'module' ? 'module' : 'client');
   * if (refused) return refused;
   */
  limitClient?: (budget: string, kind?: 'client' | 'module') => Response | undefined | Promise<Response | undefined>;
  /**
   * Set by the rate limiter: counts an operation that checks a credential against the strict budget of the client
   * IP and of each account named (`field:value`); the 429, or the 503 when the store is down (fails closed).
   */
  limitCredentials?: (accounts: readonly string[]) => Promise<Response | undefined>;
}

export interface AppEnv {
  Variables: AppVariables;
}
