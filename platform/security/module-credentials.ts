import { createHmac } from 'node:crypto';
import type { Principal } from './principal.ts';

/** The client id of module `name`'s own client at the token endpoint. */
export function moduleClientId(module: string): string {
  return `module:${module}`;
}

/** The secret of module `name`'s client: HMAC-SHA256 over the name with the system's module client key. */
export function moduleClientSecret(key: Uint8Array, module: string): string {
  return createHmac('sha256', key).update(`cleave-module-client:${module}`).digest('base64url');
}

/**
 * A token-free credential the host issues to each module it runs, for calls on the direct in-process path: the
 * provider looks it up and gets the calling module's principal, checked exactly like a verified module token. A
 * handle cannot be made outside the host (only the host's registry knows it), so a module cannot claim another's
 * name by passing a string.
 */
export interface CallerHandle {
  readonly module: string;
}

export interface CallerHandles {
  /** The handle of module `name` (one per module, issued once). */
  issue(module: string): CallerHandle;
  /** The principal a handle stands for, or `undefined` for anything this registry did not issue. */
  principalOf(handle: unknown): Principal | undefined;
}

export function createCallerHandles(): CallerHandles {
  const issued = new WeakMap<object, Principal>();
  const byModule = new Map<string, CallerHandle>();
  return {
    issue(module) {
      const existing = byModule.get(module);
      if (existing) return existing;
      const handle: CallerHandle = Object.freeze({ module });
      issued.set(
        handle,
        Object.freeze({ kind: 'module', subject: moduleClientId(module), clientId: moduleClientId(module), scopes: new Set<string>(), module }),
      );
      byModule.set(module, handle);
      return handle;
    },
    principalOf(handle) {
      return typeof handle === 'object' && handle !== null ? issued.get(handle) : undefined;
    },
  };
}
