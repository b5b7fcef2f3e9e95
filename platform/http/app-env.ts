import type { Logger } from '../observability/index.ts';
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
}

export interface AppEnv {
  Variables: AppVariables;
}
