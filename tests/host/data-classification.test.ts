import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Host, ModuleDefinition } from '../../platform/host/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../support/databases.ts';
import { probeModule } from '../support/probe/module.ts';
import { startTestHost } from '../support/test-host.ts';
import { tallyModule } from '../workflows/tally/module.ts';

const probe = probeModule({ failuresLeft: 0, attempts: [] });

/** The probe as if its author had not classified its `effects` table. */
function withoutData(module: ModuleDefinition): ModuleDefinition {
  const { data: _data, ...rest } = module;
  return rest;
}

describe.each(testDatabases)('start-up refuses unclassified tables on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  const hosts: Host[] = [];
  beforeEach(async () => {
    database = await testDatabase.open();
  });
  afterEach(async () => {
    for (const host of hosts.splice(0)) await host.stop();
    await database.close();
  });
  const start = async (modules: ModuleDefinition[], logLines?: Record<string, unknown>[]) => {
    const host = await startTestHost({ database, modules, ...(logLines ? { logLines } : {}) });
    hosts.push(host);
    return host;
  };

  it('a module whose migrations create a table it did not classify does not start, and the error says where to declare it', async () => {
    const refused = start([withoutData(probe)]);
    await expect(refused).rejects.toThrow(/Module probe has tables it did not classify: probe\.effects\./);
    await expect(refused).rejects.toThrow(/`data` \(defineModule in modules\/probe\/module\.ts\)/);
    await expect(refused).rejects.toThrow(/docs\/operations\/data-classification\.md/);
  });

  it('every module of the application, with the platform tables in its schema, starts classified', async () => {
    const { modules } = await import('../../apps/modules.ts');
    const lines: Record<string, unknown>[] = [];
    const host = await start([...modules], lines);
    expect(host.modules.map((m) => m.definition.name)).toHaveLength(modules.length);
    // Nor does any declare a table or column its schema lacks.
    expect(lines.filter((l) => String(l.msg).startsWith('classified '))).toEqual([]);
  });

  it('a table added outside the migrations is caught at the next start, whoever migrated the schema', async () => {
    await (await start([probe])).stop();
    await database.db.execute(sql`create table "probe"."by_hand" ("id" integer)`);
    // A shadow of a table that is not a projection's is not a rebuild: it is refused too.
    await database.db.execute(sql`create table "probe"."effects__rebuild" ("id" integer)`);
    await expect(start([probe])).rejects.toThrow(/did not classify: probe\.by_hand, probe\.effects__rebuild\./);
  });

  it("a projection rebuild's shadow table is classified with its table", async () => {
    const tally = tallyModule();
    await (await start([tally])).stop();
    await database.db.execute(sql`create table "tally"."account_balances__rebuild" ("id" text)`);
    await expect(start([tally])).resolves.toBeDefined();
  });

  it('a classified table or column the schema does not hold is logged as a warning, and the module starts', async () => {
    const lines: Record<string, unknown>[] = [];
    const ghost = {
      ...probe,
      data: {
        effects: { classification: 'personal', retention: '30d', legalBasis: 'tests', subject: 'customer' },
        ghost: { classification: 'internal', retention: '30d' },
      },
    } as ModuleDefinition;
    await start([ghost], lines);
    expect(lines.find((l) => l.msg === 'classified tables not in the schema (a typo, or migrations not applied yet?)')).toMatchObject({
      level: 40,
      module: 'probe',
      tables: ['ghost'],
    });
    expect(lines.find((l) => l.msg === 'classified columns not in their tables (a typo, or migrations not applied yet?)')).toMatchObject({
      level: 40,
      module: 'probe',
      columns: ['effects.customer'],
    });
  });
});
