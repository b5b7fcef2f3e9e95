import { describe, expect, it } from 'vitest';
import { modules } from '../../apps/modules.ts';
import { loadConfig } from '../../platform/config/index.ts';
import { resolveTopology } from '../../platform/host/topology.ts';

const refusal = (env: Record<string, string>): string => {
  try {
    resolveTopology(loadConfig({ DATA_DIR: 'memory', ...env }), modules);
  } catch (error) {
    return String(error);
  }
  throw new Error('the topology was accepted');
};

describe('a hosted module calling one with no address', () => {
  it('says which setting would let the host discover it', () => {
    expect(refusal({ MODULES: 'inventory' })).toContain('set REMOTE_MODULES=catalog=<url>, or REDIS_URL for discovery');
    // Redis is set already: what is missing is the registry, turned off.
    expect(refusal({ MODULES: 'inventory', REDIS_URL: 'redis://127.0.0.1:6379', REGISTRY: 'false' })).toContain(
      'set REMOTE_MODULES=catalog=<url>, or REGISTRY=true for discovery',
    );
  });
});

describe('a per-module setting naming no module of the build', () => {
  it('is refused, naming the known modules', () => {
    expect(refusal({ LOCAL_MODULE_LIMITS: 'catalog=4,invetory=8' })).toContain(
      'LOCAL_MODULE_LIMITS: unknown module "invetory"; known modules: catalog, inventory',
    );
  });
});
