import { ConfigMap } from 'kubernetes-models/v1';
import { environmentSchema } from '../../platform/config/index.ts';
import { resourcesOf } from './resources.ts';
import { secretPath, secretsOf } from './secrets.ts';
import { httpPort, serviceUrl, type Deployable, type K8sOptions } from './model.ts';

/** The shutdown deadline the ConfigMap sets; the pod's termination grace is derived from it. */
export const shutdownTimeoutMs = environmentSchema.shape.SHUTDOWN_TIMEOUT_MS.parse(undefined);

/**
 * The non-secret settings of a deployable, as environment variables (names of `platform/config`): what it hosts and
 * where the rest runs, how it serves and shuts down, and the files its secrets are read from (`<NAME>_FILE`).
 */
export function environmentOf(d: Deployable, options: K8sOptions): Record<string, string> {
  const issuer = options.issuer ?? serviceUrl('monolith', options.namespace);
  const remote = Object.entries(d.remote).map(([m, host]) => `${m}=${serviceUrl(host, options.namespace)}`);
  const heapMb = Math.floor(resourcesOf(d).memoryLimitMi * 0.75);
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    NODE_OPTIONS: `--max-old-space-size=${heapMb}`,
    HOST: '0.0.0.0',
    PORT: String(httpPort),
    PUBLIC_URL: serviceUrl(d.name, options.namespace),
    MODULES: d.modules.map((m) => m.name).join(','),
    ...(remote.length > 0 ? { REMOTE_MODULES: remote.join(',') } : {}),
    // Pods log in as their modules' own roles, which the admin Job created: they cannot create roles themselves.
    DATABASE_ROLES: 'false',
    EVENT_BUS: 'bullmq',
    // Kubernetes Services find and balance instances; the Redis registry is the option without them.
    REGISTRY: 'false',
    IDENTITY_ISSUER: issuer,
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'info',
    OTEL_SERVICE_NAME: `cleave-${d.name}`,
    ...(options.otlpEndpoint ? { OTEL_EXPORTER_OTLP_ENDPOINT: options.otlpEndpoint } : {}),
    SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
  };
  for (const s of secretsOf(d)) env[`${s.variable}_FILE`] = secretPath(s);
  return Object.fromEntries(Object.entries(env).sort(([a], [b]) => a.localeCompare(b)));
}

export function configMap(d: Deployable, options: K8sOptions, labels: Record<string, string>): ConfigMap {
  return new ConfigMap({ metadata: { name: `${d.name}-config`, namespace: options.namespace, labels }, data: environmentOf(d, options) });
}
