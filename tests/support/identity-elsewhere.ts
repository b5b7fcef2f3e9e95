import { catalogModule } from '../../modules/catalog/index.ts';
import { identityModule } from '../../modules/identity/index.ts';
import type { Host } from '../../platform/host/index.ts';
import { serve, type RunningServer } from '../../platform/host/serve.ts';
import { testDatabases } from './databases.ts';
import { startTestHost } from './test-host.ts';

export interface IdentityElsewhere {
  /** The host running identity, served over HTTP at `server.url`. */
  central: Host;
  server: RunningServer;
  /** A host running catalog, reaching identity through REMOTE_MODULES. */
  extracted: Host;
  stop(): Promise<void>;
}

/** Two hosts over real HTTP, each on its own database: identity in one, catalog in the other. */
export async function identityElsewhere(): Promise<IdentityElsewhere> {
  const testDatabase = testDatabases[0] as (typeof testDatabases)[number];
  const [identityDb, catalogDb] = [await testDatabase.open(), await testDatabase.open()];
  const central = await startTestHost({ database: identityDb, modules: [identityModule] });
  const server = await serve(central, { host: '127.0.0.1', port: 0 });
  const extracted = await startTestHost({
    database: catalogDb,
    modules: [catalogModule, identityModule],
    env: { MODULES: 'catalog', REMOTE_MODULES: `identity=${server.url}` },
  });
  return {
    central,
    server,
    extracted,
    async stop() {
      await extracted.stop();
      await server.close();
      await central.stop();
      await catalogDb.close();
      await identityDb.close();
    },
  };
}
