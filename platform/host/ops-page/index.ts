import type { App } from '../../http/index.ts';
import type { Metrics } from '../../metrics/index.ts';
import type { Logger, Tracing } from '../../observability/index.ts';
import type { HostSecurity } from '../host-security.ts';
import { opsOverviewRoutes } from '../ops-overview-routes.ts';
import { mountOpsPage } from './page.ts';
import { opsSignIn, type OpsSignInOptions } from './sign-in.ts';

export { opsPageCsp } from './page.ts';

export interface OpsPageOptions extends Pick<OpsSignInOptions, 'config' | 'send'> {
  security: Pick<HostSecurity, 'verifier'>;
  /** Where the identity module runs: in this process, in another, or nowhere known. */
  identity: 'local' | 'remote' | undefined;
  logger: Logger;
  /** The modules this process hosts. */
  modules: Iterable<string>;
  metrics: Metrics | undefined;
  tracing: Tracing;
}

/**
 * The operations page (`/ops`) with its sign-in and the JSON routes only it needs (`/ops/overview`, `/ops/traces`).
 * `sessionToken` goes to `authorize` before any route is mounted; `mount` adds the routes.
 */
export function opsPage(options: OpsPageOptions): { sessionToken: ReturnType<typeof opsSignIn>['sessionToken']; mount(app: App): void } {
  const signIn = opsSignIn({
    config: options.config,
    send: options.send,
    verifier: options.security.verifier,
    identityLocal: options.identity === 'local',
    log: options.logger.child({ component: 'ops-page' }),
  });
  return {
    sessionToken: signIn.sessionToken,
    mount(app) {
      signIn.mount(app);
      mountOpsPage(app, signIn);
      app.route(
        '/',
        opsOverviewRoutes({ service: options.config.log.service, modules: [...options.modules], metrics: options.metrics, tracing: options.tracing }),
      );
    },
  };
}
