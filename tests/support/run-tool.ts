import { spawn } from 'node:child_process';
import process from 'node:process';
import { toolArgv } from './tool-bundles.ts';

export interface ToolRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command-line entry point (`tools/…/main.ts`, `apps/….ts`) as `npm run` would, in its own process (from its
 * prebuilt bundle when there is one: tool-bundles.ts), without blocking the event loop that may serve the host it talks to. `env` is laid over this process's environment, minus
 * the variables named in `without`.
 */
export function runTool(file: string, args: readonly string[], env: Record<string, string> = {}, without: readonly string[] = []): Promise<ToolRun> {
  return new Promise((done) => {
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !without.includes(name)));
    const child = spawn(process.execPath, [...toolArgv(file), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...inherited, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('exit', (status) => done({ status, stdout, stderr }));
  });
}
