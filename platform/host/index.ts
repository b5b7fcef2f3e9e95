/**
 * @module platform/host
 * The module host: `defineModule` and `createHost`, which mounts the modules named in config into one app with
 * their database, events and clients wired. Not where modules' logic lives; apps call this and stay a few lines.
 */
export { defineModule } from './define-module.ts';
export type { ModuleDefinition, ModuleContext, HealthCheck } from './define-module.ts';
export { declaredTables, platformTableData } from './platform-data.ts';
export type { DeclaredBy, DeclaredTable } from './platform-data.ts';
export { compareSchema, compareTables, schemaTables } from './classified-schema.ts';
export type { SchemaClassification, SchemaTables } from './classified-schema.ts';
export { defaultSlos, slosOf } from './slos.ts';
export type { ModuleSlos, OperationClass, SloObjectives } from './slos.ts';
export { createHost } from './create-host.ts';
export type { Host, HostOptions, HostedModule } from './create-host.ts';
export { moduleDocument } from './openapi.ts';
export { serve } from './serve.ts';
export type { ServeOptions, RunningServer } from './serve.ts';
export { exitStartFailed, migrateModules, runHost, startFailure } from './run-host.ts';
export { migrateModule } from './migrate-module.ts';
export { hostedModules, resolveTopology } from './topology.ts';
export type { Topology } from './topology.ts';
export { databaseSetting, moduleRole, offlineRefusal, openModuleDatabases, provisionModuleSchema } from './databases.ts';
export { provisionModuleLogins } from './provision-logins.ts';
export type { ModuleLogin, ProvisionLoginsOptions, ProvisionResult } from './provision-logins.ts';
export type { ModuleDatabases } from './databases.ts';
export { missingEmbeddedData, openExistingModuleDatabases, requireModuleSchemas } from './existing-databases.ts';
export { contractHash } from './contract-hash.ts';
export { mountGateway } from './gateway.ts';
export type { GatewayOptions } from './gateway.ts';
