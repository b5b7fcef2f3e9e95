import type { App } from '../../http/index.ts';
import type { Metrics } from '../../metrics/index.ts';
import type { Tracing } from '../../observability/index.ts';
import { opsOverviewRoutes } from '../ops-overview-routes.ts';
import { mountOpsPage } from './page.ts';
import { opsSignIn, type OpsSignInOptions } from './sign-in.ts';

export { opsPageCsp } from './page.ts';

export interface OpsPageOptions extends OpsSignInOptions {
  modules: readonly string[];
  metrics: Metrics | undefined;
  tracing: Tracing;
}

/**
 * The operations page (`/ops`) with its sign-in and the JSON routes only it needs (`/ops/overview`, `/ops/traces`).
 * `sessionToken` goes to `authorize` before any route is mounted; `mount` adds the routes.
 */
export function opsPage(options: OpsPageOptions): { sessionToken: ReturnType<typeof opsSignIn>['sessionToken']; mount(app: App): void } {
  const signIn = opsSignIn(options);
  return {
    sessionToken: signIn.sessionToken,
    mount(app) {
      signIn.mount(app);
      mountOpsPage(app, signIn);
      app.route('/', opsOverviewRoutes({ service: options.config.log.service, modules: options.modules, metrics: options.metrics, tracing: options.tracing }));
    },
  };
}
