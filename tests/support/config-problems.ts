import { ConfigError, loadConfig, type ConfigProblem } from '../../platform/config/index.ts';

/** The problems `loadConfig` reports for `env`; `[]` when it accepts it. */
export function problemsOf(env: Record<string, string>): ConfigProblem[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}
