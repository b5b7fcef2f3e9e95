import process from 'node:process';
import type { Config } from './config.ts';
import { ConfigError, loadConfig } from './load-config.ts';

/** The process environment, on Node and Deno alike (Deno provides `node:process`). */
export function readEnvironment(): Record<string, string | undefined> {
  return { ...process.env };
}

/** Loads the configuration or stops the process with a readable list of every problem and exit code 1. */
export function loadConfigOrExit(env: Record<string, string | undefined> = readEnvironment()): Config {
  try {
    return loadConfig(env, { isTty: Boolean(process.stdout.isTTY) });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
