import { auditMigrations } from '../audit/index.ts';
import { migrateSchema, type Db, type MigrationResult } from '../db/index.ts';
import type { ModuleDefinition } from './define-module.ts';

/** A module's own migrations, then the platform's audit trail tables in its schema. */
export async function migrateModule(db: Db, module: ModuleDefinition): Promise<MigrationResult> {
  const own = await migrateSchema(db, module.name, module.migrations);
  const audit = await migrateSchema(db, module.name, auditMigrations(module.name));
  return { applied: [...own.applied, ...audit.applied], total: own.total + audit.total };
}
