import { z } from '@hono/zod-openapi';
import { contractRoute, operatorAccess, createRouter, type App } from '../http/index.ts';
import { stripUrlCredentials } from '../observability/index.ts';
import type { Registry } from '../registry/index.ts';
import type { Topology } from './topology.ts';

const instanceSchema = z.object({
  module: z.string(),
  version: z.string(),
  address: z.string(),
  health: z.enum(['pass', 'fail']).openapi({ description: 'What the instance last reported, and `fail` when it does not answer now.' }),
  reachable: z.boolean().openapi({ description: 'Whether its `/health/live` answered just now, when this catalog was asked for.' }),
  contractHash: z.string(),
  contractMatches: z.boolean().openapi({ description: 'Whether the instance serves the contract this host was built against.' }),
  seenAt: z.string(),
  deployment: z
    .string()
    .nullable()
    .openapi({ description: 'The deployment the instance belongs to (`DEPLOYMENT_NAME`); `null` from hosts older than this label.' }),
  colour: z.string().nullable().openapi({ description: 'Its blue-green colour (`DEPLOYMENT_COLOUR`), selected with `PUT /ops/rollouts/{module}`.' }),
  consumers: z
    .array(z.string())
    .nullable()
    .openapi({ description: 'The event consumers it runs (`<module>:<handler>`); `null` from hosts older than this field.' }),
});

const catalogRoute = contractRoute({
  method: 'get',
  path: '/registry',
  access: operatorAccess,
  tags: ['ops'],
  summary: 'The service catalog: where each module runs, as this host sees it',
  responses: {
    200: {
      description: 'Modules hosted here, static addresses, and the instances registered in the registry',
      content: {
        'application/json': {
          schema: z
            .object({
              local: z.array(z.object({ module: z.string(), contractHash: z.string() })),
              static: z.array(z.object({ module: z.string(), address: z.string() })),
              registry: z.object({ enabled: z.boolean(), instances: z.array(instanceSchema) }),
              breakers: z.record(z.string(), z.unknown()),
            })
            .openapi('ServiceCatalog'),
        },
      },
    },
  },
});

export interface RegistryRoutesOptions {
  topology: Topology;
  registry: Registry | undefined;
  expectedHash(module: string): string | undefined;
  remoteStats(): Record<string, unknown>;
  /** How long to wait for an instance's `/health/live` before calling it unreachable. */
  probeTimeoutMs: number;
}

/** Whether the instance answers at all: a registration outlives a killed process until its TTL runs out. */
async function reachable(address: string, timeoutMs: number): Promise<boolean> {
  try {
    const response = await fetch(`${address.replace(/\/+$/, '')}/health/live`, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/** `/registry`: the service catalog, with contract mismatches flagged and each instance checked as it is read. */
export function registryRoutes(options: RegistryRoutesOptions): App {
  const app = createRouter();
  app.openapi(catalogRoute, async (c) => {
    const instances = options.registry ? await options.registry.instances() : [];
    const answers = await Promise.all(instances.map((i) => reachable(i.address, options.probeTimeoutMs)));
    return c.json(
      {
        local: options.topology.local.map((m) => ({ module: m.name, contractHash: options.expectedHash(m.name) ?? '' })),
        static: [...options.topology.remote]
          .filter(([, a]) => a !== 'discover')
          .map(([module, address]) => ({ module, address: stripUrlCredentials(address) })),
        registry: {
          enabled: options.registry !== undefined,
          instances: instances.map((i, n) => ({
            module: i.module,
            version: i.version,
            address: stripUrlCredentials(i.address),
            health: answers[n] ? i.health : ('fail' as const),
            reachable: answers[n] ?? false,
            contractHash: i.contractHash,
            contractMatches: i.contractHash === options.expectedHash(i.module),
            seenAt: i.seenAt,
            deployment: i.deployment ?? null,
            colour: i.colour ?? null,
            consumers: i.consumers ?? null,
          })),
        },
        breakers: options.remoteStats(),
      },
      200,
    );
  });
  return app;
}
