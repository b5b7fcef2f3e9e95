import { openDatabase } from '../../platform/db/index.ts';
import { migrateModule, schemaTables, type ModuleDefinition, type SchemaTables } from '../../platform/host/index.ts';

/**
 * The tables (with their columns) each module's schema holds once migrated, found by migrating every module into an in-memory PGlite:
 * the schema as a fresh deployment gets it, whatever database the caller has.
 */
export async function migratedTables(modules: readonly ModuleDefinition[]): Promise<Map<string, SchemaTables>> {
  const database = await openDatabase({ dataDir: 'memory' });
  try {
    const tables = new Map<string, SchemaTables>();
    for (const m of modules) {
      await migrateModule(database.db, m);
      tables.set(m.name, await schemaTables(database.db, m.name));
    }
    return tables;
  } finally {
    await database.close();
  }
}
