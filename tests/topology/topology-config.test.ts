import { describe, expect, it } from 'vitest';
import { modules } from '../../apps/modules.ts';
import { loadConfig } from '../../platform/config/index.ts';
import { createHost } from '../../platform/host/index.ts';
import { resolveTopology } from '../../platform/host/topology.ts';
import { openTestPglite } from '../support/pglite-image.ts';
import { startTestHost, testConfig, testLogger } from '../support/test-host.ts';

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

describe('a module database URL naming no module (INVENTROY_DATABASE_URL)', () => {
  const misspelt = { INVENTROY_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/inventory' };

  it('stops a production start before any database is opened: inventory would run on DATABASE_URL', async () => {
    // In memory: a start that went on would leave no folder behind.
    const config = { ...testConfig({ ...misspelt, DATA_DIR: 'memory' }), env: 'production' as const };
    await expect(createHost({ config, modules, logger: testLogger() })).rejects.toThrow(
      'INVENTROY_DATABASE_URL: names no module (known: catalog, inventory, identity, payments, ordering, notifications); a misspelt name leaves that module on DATABASE_URL. Correct or remove it',
    );
  });

  it('is a warning elsewhere, and TEST_DATABASE_URL (the test suites’ server) is no module’s', async () => {
    const lines: Record<string, unknown>[] = [];
    const database = await openTestPglite();
    const host = await startTestHost({ database, env: { ...misspelt, TEST_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test' }, logLines: lines });
    try {
      const warnings = lines.filter((l) => String(l.msg).startsWith('database URL ignored'));
      expect(warnings.map((l) => l.variable)).toEqual(['INVENTROY_DATABASE_URL']);
    } finally {
      await host.stop();
      await database.close();
    }
  });
});
