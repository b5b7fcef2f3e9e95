import { auditMigrations } from '../audit/index.ts';
import { sagaMigrations } from '../sagas/index.ts';
import { migrateSchema, type Db, type MigrationResult } from '../db/index.ts';
import type { ModuleDefinition } from './define-module.ts';

/** A module's own migrations, then the platform's audit trail tables in its schema (and the saga tables, if it declares sagas). */
export async function migrateModule(db: Db, module: ModuleDefinition): Promise<MigrationResult> {
  const own = await migrateSchema(db, module.name, module.migrations);
  const audit = await migrateSchema(db, module.name, auditMigrations(module.name));
  const sagas = module.sagas?.length ? await migrateSchema(db, module.name, sagaMigrations(module.name)) : { applied: [], total: 0 };
  return { applied: [...own.applied, ...audit.applied, ...sagas.applied], total: own.total + audit.total + sagas.total };
}
