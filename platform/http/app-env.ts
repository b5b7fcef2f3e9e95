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
  /** The authenticated caller, on routes that are not public. */
  principal: Principal | undefined;
  /** Spends one request of a client's rate budget: a 429 answer when it is spent, `undefined` otherwise. */
  limitClient: ((clientId: string) => Promise<Response | undefined>) | undefined;
}

export interface AppEnv {
  Variables: AppVariables;
}
