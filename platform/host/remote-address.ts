import { CleaveError } from '../http/index.ts';
import type { Discovery, InstanceSelection } from '../registry/index.ts';

/** Resolves where a module elsewhere is reached: its configured address, or an instance the registry names. */
export type AddressResolver = (module: string, address: string | undefined, selection: InstanceSelection) => Promise<string>;

/**
 * `address` is what the configuration says (`REMOTE_MODULES`, `CANARY_MODULES`): a base URL, or `discover`, which asks
 * the registry for an instance `selection` admits. With `requireTls`, a registry answer without https:// is refused.
 */
export function addressResolver(discovery: Discovery | undefined, requireTls: boolean): AddressResolver {
  return async (module, address, selection) => {
    if (!address)
      throw new CleaveError('unavailable', 'host/module-unavailable', `Module ${module} is neither hosted here nor reachable from here.`, {
        details: { module },
      });
    if (address !== 'discover') return address;
    if (!discovery)
      throw new CleaveError('unavailable', 'http/no-instance', `Module ${module} is set to discover, but there is no registry.`, { details: { module } });
    const found = await discovery.resolve(module, selection);
    // The configuration was checked at start-up; what the registry names is checked on every call.
    if (requireTls && !found.startsWith('https://')) {
      throw new CleaveError(
        'unavailable',
        'http/insecure-instance',
        `The registry names ${found} for module ${module}, but REMOTE_REQUIRE_TLS needs https://.`,
        {
          details: { module },
        },
      );
    }
    return found;
  };
}
