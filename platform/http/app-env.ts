import type { Logger } from '../observability/index.ts';

/** What every Cleave request context carries. */
export interface AppVariables {
  requestId: string;
  /** The process logger; use `requestLog(c)` for one that carries the request's ids. */
  logger: Logger;
  /** Set by `requestLog(c)` on first use. */
  log: Logger | undefined;
  /** The module the path belongs to, if any. */
  module: string | undefined;
}

export interface AppEnv {
  Variables: AppVariables;
}
