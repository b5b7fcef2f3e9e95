import { auditMigrations } from '../audit/index.ts';
import { migrateSchema, type Db, type Migration, type MigrationResult } from '../db/index.ts';
import { eventSourcingMigrations } from '../event-sourcing/index.ts';
import { sagaMigrations } from '../sagas/index.ts';
import type { ModuleDefinition } from './define-module.ts';

/**
 * The platform's tables in a module's schema: the audit trail; the event store when it declares aggregates or
 * projections; the saga tables when it declares sagas.
 */
export function platformMigrations(module: ModuleDefinition): Migration[] {
  const eventSourced = (module.aggregates?.length ?? 0) + (module.projections?.length ?? 0) > 0;
  return [
    ...auditMigrations(module.name),
    ...(eventSourced ? eventSourcingMigrations(module.name) : []),
    ...(module.sagas?.length ? sagaMigrations(module.name) : []),
  ];
}

/** A module's own migrations, then the platform's tables in its schema. */
export async function migrateModule(db: Db, module: ModuleDefinition): Promise<MigrationResult> {
  const own = await migrateSchema(db, module.name, module.migrations);
  const platform = await migrateSchema(db, module.name, platformMigrations(module));
  return { applied: [...own.applied, ...platform.applied], total: own.total + platform.total };
}
