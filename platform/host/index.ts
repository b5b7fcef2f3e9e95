/**
 * @module platform/host
 * The module host: `defineModule` and `createHost`, which mounts the modules named in config into one app with
 * their database, events and clients wired. Not where modules' logic lives; apps call this and stay a few lines.
 */
export { defineModule } from './define-module.ts';
export type { ModuleDefinition, ModuleContext, HealthCheck, DataClassification } from './define-module.ts';
export { createHost } from './create-host.ts';
export type { Host, HostOptions, HostedModule } from './create-host.ts';
export { moduleDocument } from './openapi.ts';
export { serve } from './serve.ts';
export type { ServeOptions, RunningServer } from './serve.ts';
export { runHost, migrateModules } from './run-host.ts';
