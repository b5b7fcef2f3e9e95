import type { Config } from '../config/index.ts';
import { moduleCaller, rateLimitGuard, type EdgeGuard, type IpRanges, type RateLimitStore } from '../http/index.ts';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { tracingOff, type Logger, type Tracing } from '../observability/index.ts';
import type { Metrics } from '../metrics/index.ts';
import type { Discovery, Registry } from '../registry/index.ts';
import type { TokenVerifier } from '../security/index.ts';
import type { ModuleDatabases } from './databases.ts';
import type { ModuleDefinition } from './define-module.ts';
import { openMetrics } from './host-metrics.ts';
import type { Topology } from './topology.ts';

/**
 * Small pieces of host assembly kept out of create-host.ts: the registry, the rate limits and their store, tracing and
 * metrics, and the module a path belongs to.
 */

/** Budgets in Redis when it is configured (shared by every instance), else in this process's memory. */
export async function openRateLimitStore(config: Config, logger: Logger): Promise<RateLimitStore> {
  // rate-limiter-flexible (and ioredis) load only when rate limiting is on, like the bus's Redis pieces.
  if (!config.redis.url) return (await import('../http/rate-limit-memory.ts')).memoryRateLimitStore();
  const { redisRateLimitStore } = await import('../http/rate-limit-redis.ts');
  return redisRateLimitStore({ url: config.redis.url, ca: config.tls.redisCa, prefix: config.redis.prefix, log: logger.child({ component: 'rate-limit' }) });
}

/** The app's rate limits (see `rateLimitGuard`), as configured. */
export function hostRateLimits(
  config: Config,
  options: {
    store: RateLimitStore;
    trustedProxies: IpRanges;
    local: ReadonlySet<string>;
    topology: Topology;
    verifier: TokenVerifier | undefined;
    logger: Logger;
  },
): EdgeGuard {
  const { local, topology } = options;
  return rateLimitGuard({
    store: options.store,
    perIp: { name: 'per-ip', ...config.rateLimit.perIp },
    perClient: { name: 'per-client', ...config.rateLimit.perClient },
    perModule: { name: 'per-module', ...config.rateLimit.perModule },
    credentials: { name: 'credentials', ...config.rateLimit.credentials },
    trustedProxies: options.trustedProxies,
    // Health probes are never refused; a request for a module elsewhere is counted by the host that serves it.
    exempt: (path) => path.startsWith('/health/') || topology.remote.has(moduleOfPath(path, local, topology.remote) ?? ''),
    fromModule: moduleCaller(options.verifier),
    logger: options.logger.child({ component: 'rate-limit' }),
  });
}

/**
 * The service registry and discovery over it, when configured (`REGISTRY`): loaded only then, like the bus's Redis
 * pieces. The caller closes the registry.
 */
export async function openRegistry(
  config: Config,
  logger: Logger,
  expectedHash: (module: string) => string | undefined,
): Promise<{ registry: Registry | undefined; discovery: Discovery | undefined }> {
  if (!config.registry.enabled) return { registry: undefined, discovery: undefined };
  const { createDiscovery, createRegistry } = await import('../registry/index.ts');
  const registry = createRegistry({
    redisUrl: config.redis.url as string,
    redisCa: config.tls.redisCa,
    log: logger.child({ component: 'registry' }),
    heartbeatMs: config.registry.heartbeatMs,
    ttlMs: config.registry.ttlMs,
    prefix: `${config.redis.prefix}:registry`,
    labels: { deployment: config.rollout.deployment, colour: config.rollout.colour ?? null },
  });
  const discovery = createDiscovery({ registry, log: logger.child({ component: 'discovery' }), cooldownMs: config.registry.ttlMs, expectedHash });
  return { registry, discovery };
}

/** The module whose prefix `path` starts with, hosted here or elsewhere; `undefined` for the platform's own paths. */
export function moduleOfPath(path: string, local: ReadonlySet<string>, remote: ReadonlyMap<string, string>): string | undefined {
  const end = path.indexOf('/', 1);
  const first = path.slice(1, end === -1 ? undefined : end);
  return first && (local.has(first) || remote.has(first)) ? first : undefined;
}

/**
 * Tracing and metrics as configured, and the hosted modules' databases told of them: statement spans inside traced
 * work, statement times for the cost ledger.
 */
export async function openObservability(
  config: Config,
  modules: readonly ModuleDefinition[],
  topology: Topology,
  databases: ModuleDatabases,
  logger: Logger,
  spanExporter: SpanExporter | undefined,
): Promise<{ tracing: Tracing; metrics: Metrics | undefined }> {
  const tracing = await openTracing(config, topology.local, logger, spanExporter);
  const metrics = openMetrics(config, modules, topology);
  for (const m of topology.local) {
    const database = databases.of(m.name);
    if (tracing.enabled) database.traceQueries?.(tracing);
    if (metrics) database.observeQueries?.(metrics.observeStatement);
  }
  return { tracing, metrics };
}

/** The SDK loads only when tracing is on: a host without it never spends start-up on OpenTelemetry's packages. */
async function openTracing(config: Config, local: readonly ModuleDefinition[], logger: Logger, spanExporter: SpanExporter | undefined): Promise<Tracing> {
  const { exporter, endpoint, ratio, serviceName } = config.tracing;
  if (exporter === 'none' && !spanExporter) return tracingOff;
  const { createSdkTracing } = await import('../observability/tracing-sdk.ts');
  return createSdkTracing({
    exporter: exporter === 'none' ? 'log' : exporter,
    ...(endpoint ? { endpoint } : {}),
    ratio,
    serviceName,
    modules: local.map((m) => m.name),
    logger,
    ...(spanExporter ? { spanExporter } : {}),
  });
}
export { hostSagas } from './host-sagas.ts';
