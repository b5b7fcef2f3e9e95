import type { Config } from '../config/index.ts';
import type { App } from '../http/index.ts';
import type { Logger } from '../observability/index.ts';
import type { Discovery, InstanceSelection, RolloutStore } from '../registry/index.ts';
import { canaryRouting } from './canary.ts';
import { forwarder, type GatewayOptions } from './gateway.ts';
import type { AddressResolver } from './remote-address.ts';
import { rolloutRoutes, type RolloutRoutesOptions } from './rollout-routes.ts';

/** This host's part in rollouts: the shared settings, which instances answer for a module, canary splits. */
export interface HostRollouts {
  store: RolloutStore | undefined;
  /** Which registry instances may answer for a module served elsewhere: the colour the operator selected. */
  selection(module: string): InstanceSelection;
  /** Splits each canaried module's routes between this process and its extracted deployment (mount before the routes). */
  mountCanaries(app: App, gateway: GatewayOptions): void;
  routes(trail: RolloutRoutesOptions['trail']): App;
  close(): Promise<void>;
}

export interface RolloutsOptions {
  config: Config;
  discovery: Discovery | undefined;
  /** Resolves a configured address (`discover`: a registry instance), as for any module elsewhere. */
  resolve: AddressResolver;
  remote: ReadonlyMap<string, string>;
  log: Logger;
}

/**
 * Opens the rollout settings in Redis (when configured) and waits for the first read, so the first request is already
 * routed by the shared setting.
 */
export async function openRollouts(options: RolloutsOptions): Promise<HostRollouts> {
  const { config, discovery, log } = options;
  const rollout = config.rollout;
  let store: RolloutStore | undefined;
  if (config.redis.url) {
    const { createRolloutStore } = await import('../registry/index.ts');
    store = createRolloutStore({
      redisUrl: config.redis.url,
      redisCa: config.tls.redisCa,
      prefix: `${config.redis.prefix}:rollouts`,
      log,
      refreshMs: rollout.refreshMs,
    });
    await store.refresh().catch((error: unknown) => log.warn({ err: error }, 'rollout settings not read; weight 0 and any colour until Redis answers'));
  }
  const setting = (module: string) => store?.get(module) ?? { weight: 0, sticky: false, colour: null, updatedAt: null };
  // Another deployment's instances of the module: never a gateway replica that serves it itself.
  const canaryAt = (module: string) => options.resolve(module, rollout.canaries[module], { colour: setting(module).colour, notDeployment: rollout.deployment });
  return {
    store,
    selection: (module) => ({ colour: setting(module).colour }),
    mountCanaries(app, gateway) {
      for (const module of Object.keys(rollout.canaries)) {
        const forward = forwarder(module, {
          ...gateway,
          resolve: canaryAt,
          // The canary has a breaker of its own: while it is open, its share is served here.
          ...(gateway.guard
            ? { guard: (m: string, attempt: () => Promise<Response>) => (gateway.guard as NonNullable<GatewayOptions['guard']>)(`${m}-canary`, attempt) }
            : {}),
        });
        app.use(`/${module}/*`, canaryRouting({ module, setting: () => setting(module), header: rollout.header, stickyKey: rollout.stickyKey, forward, log }));
      }
    },
    routes: (trail) =>
      rolloutRoutes({
        store,
        canaries: rollout.canaries,
        remote: options.remote,
        trail,
        async healthyOfColour(module, colour) {
          if (!discovery) return undefined;
          const notDeployment = module in rollout.canaries ? rollout.deployment : undefined;
          return (await discovery.healthy(module, { colour, notDeployment })).length;
        },
      }),
    close: async () => store?.close(),
  };
}
