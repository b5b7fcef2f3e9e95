import { z } from '@hono/zod-openapi';
import { contractRoute, operatorAccess, createRouter, type App } from '../http/index.ts';
import { messageOf, stripUrlCredentials } from '../observability/index.ts';
import type { InstanceRecord, Registry } from '../registry/index.ts';
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
              static: z.array(
                z.object({
                  module: z.string(),
                  address: z.string(),
                  reachable: z.boolean().openapi({ description: 'Whether its `/health/live` answered just now, when this catalog was asked for.' }),
                }),
              ),
              registry: z.object({
                enabled: z.boolean(),
                instances: z.array(instanceSchema),
                error: z
                  .string()
                  .nullable()
                  .openapi({ description: 'Why the registry (Redis) could not be read just now, when it could not: `instances` is then empty.' }),
              }),
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

/** How long the catalog waits for the registry's instances (Redis) before it answers without them. */
const registryReadMs = 2000;

/** The registry's instances, or why they could not be read within {@link registryReadMs}. */
async function readInstances(registry: Registry): Promise<{ instances: InstanceRecord[]; error: string | null }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from Redis within ${registryReadMs} ms`)), registryReadMs);
  });
  try {
    return { instances: await Promise.race([registry.instances(), late]), error: null };
  } catch (error) {
    return { instances: [], error: stripUrlCredentials(messageOf(error)) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `/registry`: the service catalog, with contract mismatches flagged and each instance and static address checked as
 * it is read. A registry that cannot be read (Redis down or stalled) leaves its instances out and says why, rather
 * than failing or holding the whole catalog.
 */
export function registryRoutes(options: RegistryRoutesOptions): App {
  const app = createRouter();
  app.openapi(catalogRoute, async (c) => {
    const fixed = [...options.topology.remote].filter(([, a]) => a !== 'discover');
    const [{ instances, error }, fixedAnswers] = await Promise.all([
      options.registry ? readInstances(options.registry) : { instances: [], error: null },
      Promise.all(fixed.map(([, address]) => reachable(address, options.probeTimeoutMs))),
    ]);
    const answers = await Promise.all(instances.map((i) => reachable(i.address, options.probeTimeoutMs)));
    return c.json(
      {
        local: options.topology.local.map((m) => ({ module: m.name, contractHash: options.expectedHash(m.name) ?? '' })),
        static: fixed.map(([module, address], n) => ({ module, address: stripUrlCredentials(address), reachable: fixedAnswers[n] ?? false })),
        registry: {
          enabled: options.registry !== undefined,
          error,
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
