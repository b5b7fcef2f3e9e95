import { CleaveError } from '../http/index.ts';
import type { Logger } from '../observability/index.ts';
import type { InstanceRecord, Registry } from './registry.ts';

export interface DiscoveryOptions {
  registry: Registry;
  log: Logger;
  /** How long a list of instances is reused before asking Redis again. */
  refreshMs?: number;
  /** How long an instance that stopped answering is skipped. */
  cooldownMs: number;
  /** The contract hash each module had when this process was built, to spot incompatible instances. */
  expectedHash(module: string): string | undefined;
}

/** Which instances of a module may answer: one colour of a blue-green pair, or none of this gateway's own deployment. */
export interface InstanceSelection {
  colour?: string | null | undefined;
  notDeployment?: string | undefined;
}

/** Finds a healthy instance of a module: round-robin over the registry's healthy, answering instances. */
export interface Discovery {
  resolve(module: string, selection?: InstanceSelection): Promise<string>;
  /** The healthy instances `selection` admits now, read fresh from the registry. */
  healthy(module: string, selection?: InstanceSelection): Promise<InstanceRecord[]>;
  /** Skips an instance for a while after it failed to answer. */
  markFailed(module: string, address: string): void;
}

export function createDiscovery(options: DiscoveryOptions): Discovery {
  const refreshMs = options.refreshMs ?? 1000;
  const cache = new Map<string, { at: number; instances: InstanceRecord[] }>();
  const cursor = new Map<string, number>();
  const failedUntil = new Map<string, number>();
  const warned = new Set<string>();

  async function live(module: string, fresh = false): Promise<InstanceRecord[]> {
    const cached = cache.get(module);
    // A fresh read is still at most one per 100 ms, so a module with no instance at all does not send every request to Redis.
    if (cached && Date.now() - cached.at < (fresh ? 100 : refreshMs)) return cached.instances;
    const instances = await options.registry.instances(module);
    cache.set(module, { at: Date.now(), instances });
    // Instances come and go (new addresses on every deploy): forget what is about ones no longer registered.
    const current = new Set(instances.map((i) => i.id + module));
    for (const key of warned) if (key.endsWith(module) && !current.has(key)) warned.delete(key);
    for (const [key, until] of failedUntil) if (until <= Date.now()) failedUntil.delete(key);
    for (const i of instances) {
      const expected = options.expectedHash(module);
      if (expected && i.contractHash !== expected && !warned.has(i.id + module)) {
        warned.add(i.id + module);
        options.log.warn(
          { module, address: i.address, theirs: i.contractHash, ours: expected },
          'instance serves a different contract than this process was built against',
        );
      }
    }
    return instances;
  }

  const admits = (i: InstanceRecord, selection: InstanceSelection) =>
    i.health === 'pass' &&
    (selection.colour == null || i.colour === selection.colour) &&
    (selection.notDeployment === undefined || i.deployment !== selection.notDeployment);

  return {
    async resolve(module, selection = {}) {
      const now = Date.now();
      let admitted = (await live(module)).filter((i) => admits(i, selection));
      // None in the cached list: read the registry now before refusing (an operator just selected a colour whose
      // instances registered after the last read).
      if (admitted.length === 0) admitted = (await live(module, true)).filter((i) => admits(i, selection));
      const answering = admitted.filter((i) => (failedUntil.get(`${module} ${i.address}`) ?? 0) <= now);
      // When every instance failed lately (a slow moment on all of them, one instance just started), trying them
      // again beats refusing outright: the registry still says they are there and passing.
      const candidates = answering.length > 0 ? answering : admitted;
      if (candidates.length === 0) {
        const which = selection.colour == null ? '' : ` ${selection.colour}`;
        throw new CleaveError('unavailable', 'http/no-instance', `No healthy${which} instance of module ${module} is registered.`, { details: { module } });
      }
      const key = `${module} ${selection.colour ?? ''} ${selection.notDeployment ?? ''}`;
      const next = (cursor.get(key) ?? 0) % candidates.length;
      cursor.set(key, next + 1);
      return (candidates[next] as InstanceRecord).address;
    },
    async healthy(module, selection = {}) {
      return (await options.registry.instances(module)).filter((i) => admits(i, selection));
    },
    markFailed(module, address) {
      failedUntil.set(`${module} ${address}`, Date.now() + options.cooldownMs);
    },
  };
}
