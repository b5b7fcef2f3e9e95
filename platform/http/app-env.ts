import type { Logger } from '../observability/index.ts';

/** What every Cleave request context carries. */
export interface AppVariables {
  requestId: string;
  log: Logger;
}

export interface AppEnv {
  Variables: AppVariables;
}
