import { z } from '@hono/zod-openapi';
import type { AuditLog } from '../audit/index.ts';
import type { Db } from '../db/index.ts';
import { CleaveError, contractRoute, createRouter, jsonContent, moduleName, operatorAccess, type App } from '../http/index.ts';
import { stripUrlCredentials, type Logger } from '../observability/index.ts';
import type { RolloutSetting, RolloutStore } from '../registry/index.ts';

const colour = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,31}$/)
  .openapi({ description: 'A deployment colour (`DEPLOYMENT_COLOUR` of its instances), e.g. `blue` or `green`.' });

const rolloutSchema = z
  .object({
    module: z.string(),
    weight: z.number().int().openapi({ description: "Percent of the module's requests served here that go to its extracted deployment." }),
    sticky: z.boolean().openapi({ description: 'Whether a client stays on one side for a given weight (`CANARY_STICKY_KEY`).' }),
    colour: colour.nullable().openapi({ description: 'Only instances of this colour answer for the module; `null`: any healthy one.' }),
    updatedAt: z.string().nullable(),
    servedHere: z.boolean().openapi({ description: 'Whether this host serves the module itself (a canary splits it); else it forwards all of it.' }),
    canaryTarget: z.string().nullable().openapi({ description: 'Where the canary share goes: a base URL or `discover`; `null` when none is configured.' }),
  })
  .openapi('Rollout');

const moduleParam = z.object({ module: moduleName() });
const problems = { 404: ['rollout/unknown-module'], 409: ['rollout/no-shared-state'] } as const;

/** Redis did not take the change (unreachable, or lost on the way): nothing was changed, and nothing audited. */
const storeUnavailable = (module: string, error: unknown) =>
  new CleaveError(
    'unavailable',
    'rollout/store-unavailable',
    `The rollout setting of ${module} could not be stored in Redis; nothing was changed. Try again.`,
    {
      cause: error,
    },
  );

const getRollout = contractRoute({
  method: 'get',
  path: '/ops/rollouts/{module}',
  access: operatorAccess,
  tags: ['ops'],
  summary: 'How this gateway splits and routes a module now (canary weight, blue-green colour)',
  request: { params: moduleParam },
  errors: problems,
  responses: { 200: { description: 'The setting this process applies', content: jsonContent(rolloutSchema) } },
});

const putRollout = contractRoute({
  method: 'put',
  path: '/ops/rollouts/{module}',
  access: operatorAccess,
  tags: ['ops'],
  summary: "Change a module's canary weight, stickiness or colour for every gateway replica (audited)",
  request: {
    params: moduleParam,
    body: {
      required: true,
      content: jsonContent(
        z
          .object({
            weight: z.number().int().min(0).max(100).openapi({ description: 'Percent, 0 to 100, of the requests sent to the extracted deployment.' }),
            sticky: z.boolean().default(false),
            colour: colour.nullable().default(null),
          })
          .strict(),
      ),
    },
  },
  errors: {
    ...problems,
    409: [...problems[409], 'rollout/no-canary-target', 'rollout/colour-needs-discovery', 'rollout/colour-not-ready', 'rollout/no-audit-trail'],
    503: ['rollout/store-unavailable'],
  },
  responses: { 200: { description: 'Stored and announced; replicas apply it within one round trip to Redis', content: jsonContent(rolloutSchema) } },
});

export interface RolloutRoutesOptions {
  /** The shared settings; absent without Redis. */
  store: RolloutStore | undefined;
  /** Modules served here whose canary goes to this address (`discover`: the registry). */
  canaries: Readonly<Record<string, string>>;
  /** Modules served elsewhere: their address, or `discover`. */
  remote: ReadonlyMap<string, string>;
  /** How many healthy instances of the module in `colour` the registry lists (undefined without a registry). */
  healthyOfColour(module: string, colour: string): Promise<number | undefined>;
  /** The audit trail a change to `module` is recorded in, with the database it is written through. */
  trail(module: string): { audit: AuditLog; db: Db } | undefined;
}

/** After a change was stored but its audit entry not committed: the setting before it, stored again. */
async function undo(store: RolloutStore, module: string, before: RolloutSetting, log: Logger, cause: unknown): Promise<void> {
  const { weight, sticky, colour } = before;
  try {
    await store.write(module, { weight, sticky, colour });
    log.warn({ module, err: cause }, 'rollout change undone: its audit entry was not committed');
  } catch (error) {
    log.error({ module, err: error, cause }, 'rollout change applied without its audit entry, and could not be undone: set it again');
  }
}

/** `GET`/`PUT /ops/rollouts/{module}`: canary weights and blue-green colours, shared in Redis, each change audited. */
export function rolloutRoutes(options: RolloutRoutesOptions): App {
  const app = createRouter();
  // Own entries only: `constructor` or `toString` is no module, whatever an object's prototype says.
  const canaryOf = (module: string): string | undefined => (Object.hasOwn(options.canaries, module) ? options.canaries[module] : undefined);
  const describe = (module: string, setting: RolloutSetting) => {
    const target = canaryOf(module);
    return {
      module,
      ...setting,
      servedHere: target !== undefined,
      canaryTarget: target === undefined ? null : stripUrlCredentials(target),
    };
  };
  const known = (module: string): RolloutStore => {
    if (canaryOf(module) === undefined && !options.remote.has(module))
      throw new CleaveError('not_found', 'rollout/unknown-module', `This gateway neither canaries nor forwards a module named ${module}.`, {
        details: { module },
      });
    if (!options.store)
      throw new CleaveError('conflict', 'rollout/no-shared-state', 'Rollout settings live in Redis, which this host has none of (set REDIS_URL).');
    return options.store;
  };

  app.openapi(getRollout, async (c) => {
    const { module } = c.req.valid('param');
    return c.json(describe(module, known(module).get(module)), 200);
  });
  app.openapi(putRollout, async (c) => {
    const { module } = c.req.valid('param');
    const body = c.req.valid('json');
    const store = known(module);
    const target = canaryOf(module);
    if (body.weight > 0 && target === undefined)
      throw new CleaveError('conflict', 'rollout/no-canary-target', `${module} has no extracted deployment to send a share to here (CANARY_MODULES).`, {
        details: { module },
      });
    if (body.colour !== null) {
      if ((target ?? options.remote.get(module)) !== 'discover')
        throw new CleaveError(
          'conflict',
          'rollout/colour-needs-discovery',
          `${module} is reached at a fixed address; colours are chosen among registry instances.`,
        );
      // Blue-green: traffic moves only to a side that is up and passing its checks.
      if (((await options.healthyOfColour(module, body.colour)) ?? 0) === 0)
        throw new CleaveError('conflict', 'rollout/colour-not-ready', `No healthy ${body.colour} instance of ${module} is registered.`, {
          details: { module, colour: body.colour },
        });
    }
    const trail = options.trail(module);
    if (!trail)
      throw new CleaveError('conflict', 'rollout/no-audit-trail', 'This host keeps no audit trail to record the change in; change it through one that does.');
    const before = store.get(module);
    // The audit entry and the change stand or fall together: the write to Redis happens while the entry's transaction
    // holds the chain head, and a failed write rolls the entry back; a commit that fails after the write puts the
    // setting before it back (a newer revision), so no change is applied that the trail does not show.
    let written = false;
    try {
      const stored = await trail.db.transaction(async (tx) => {
        await trail.audit.record(tx, {
          action: 'platform.rollout-changed',
          target: module,
          outcome: 'success',
          detail: { before: { weight: before.weight, sticky: before.sticky, colour: before.colour }, after: body },
        });
        const result = await store.write(module, body).catch((error: unknown) => {
          throw storeUnavailable(module, error);
        });
        written = true;
        return result;
      });
      return c.json(describe(module, stored), 200);
    } catch (error) {
      if (written) await undo(store, module, before, c.get('logger'), error);
      throw error;
    }
  });
  return app;
}
