/**
 * @module platform/config
 * The single place Cleave reads its settings from: one zod schema over the environment, read once at start-up.
 * Not for feature flags or per-request settings.
 */
export { loadConfig, ConfigError, unknownModuleProblems } from './load-config.ts';
export type { Config, RateLimitSetting } from './config.ts';
export type { ConfigProblem, LoadConfigOptions } from './load-config.ts';
export { environmentSchema } from './schema.ts';
export { developmentKek } from './identity-settings.ts';
export { variablePrefix } from './secret-files.ts';
export type { IdentityConfig, KeyEncryptionKeyConfig } from './identity-settings.ts';
export { developmentDataKek } from './data-encryption-settings.ts';
export type { DataEncryptionConfig } from './data-encryption-settings.ts';
export type { Environment } from './schema.ts';
export type { TlsConfig } from './tls-settings.ts';
export type { RolloutConfig } from './rollout-settings.ts';
export { parseSagaCrashPoint, sagaTracePoints } from './fault-settings.ts';
export type { FaultConfig, SagaCrashPoint } from './fault-settings.ts';
export type { PaymentsConfig } from './payments-settings.ts';
export type { NotificationsConfig } from './notifications-settings.ts';
export { readEnvironment, loadConfigOrExit, type LoadConfigOrExitOptions } from './environment.ts';
