import process from 'node:process';
import type { Config } from './config.ts';
import { ConfigError, loadConfig } from './load-config.ts';

/** The process environment, on Node and Deno alike (Deno provides `node:process`). */
export function readEnvironment(): Record<string, string | undefined> {
  return { ...process.env };
}

export interface LoadConfigOrExitOptions {
  /** The command loading it (`db:migrate`), which starts the message as every other message of the command does. */
  command?: string;
  /** The application's modules, by name, checked with the rest (see `LoadConfigOptions`). */
  knownModules?: readonly string[];
}

/** Loads the configuration or stops the process with a readable list of every problem and exit code 1. */
export function loadConfigOrExit(env: Record<string, string | undefined> = readEnvironment(), options: LoadConfigOrExitOptions = {}): Config {
  try {
    return loadConfig(env, { isTty: Boolean(process.stdout.isTTY), ...(options.knownModules ? { knownModules: options.knownModules } : {}) });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${options.command ? `${options.command}: ` : ''}${error.message}\n`);
    process.exit(1);
  }
}
