import { ConfigError, type Config, type ConfigProblem } from '../config/index.ts';
import type { ModuleDefinition } from './define-module.ts';

/**
 * Refuses to start when a hosted module lacks a setting it needs (`ModuleDefinition.requires`), before any database
 * is opened or migrated; names every missing setting once, however many modules need it.
 */
export function refuseMissingSettings(config: Config, local: readonly ModuleDefinition[]): void {
  const problems = new Map<string, ConfigProblem>();
  for (const m of local) for (const p of m.requires?.(config) ?? []) if (!problems.has(p.variable)) problems.set(p.variable, p);
  if (problems.size > 0) throw new ConfigError([...problems.values()]);
}
