/**
 * @module platform/registry
 * Service registry and discovery in Redis: hosts announce their modules (name, version, contract hash, address,
 * health) with a heartbeat and expiry; callers find healthy instances round-robin. Static addresses need none of it.
 */
export { createRegistry } from './registry.ts';
export type { Registry, RegistryOptions, InstanceRecord, Announcement } from './registry.ts';
export { createDiscovery } from './discovery.ts';
export type { Discovery, DiscoveryOptions, InstanceSelection } from './discovery.ts';
export { createRolloutStore, defaultRollout } from './rollout-store.ts';
export type { RolloutSetting, RolloutStore, RolloutStoreOptions } from './rollout-store.ts';
