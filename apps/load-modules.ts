/**
 * @module apps/load-modules
 * The application's modules (`apps/modules.ts`) for a command that works on them, imported when it asks rather than
 * when it starts. Not for the processes that host modules: they fail at start with Node's own report.
 */
import { relative } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import type { modules } from './modules.ts';
import { unexpectedError } from '../platform/cli/index.ts';

const repositoryRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * Imports `apps/modules.ts`. A module that throws while it is imported (a schema built at load, a missing export)
 * stops the command with one line, `<command>: cannot load the modules: <message> (at <file>:<line>)`, and exit 1,
 * its stack with `DEBUG=1`: a static import would have thrown before the command's own error handling existed.
 *
 * @example
 * const modules = await loadModules('openapi');
 */
export async function loadModules(command: string): Promise<typeof modules> {
  try {
    return (await import('./modules.ts')).modules;
  } catch (error) {
    const where = thrownAt(error);
    const message = `cannot load the modules: ${error instanceof Error ? error.message : String(error)}${where ? ` (at ${where})` : ''}`;
    process.stderr.write(unexpectedError(command, new Error(message, { cause: error })));
    process.exit(1);
  }
}

/** The first frame of the error's stack in the repository's own code, as `path:line` from its root. */
function thrownAt(error: unknown): string | undefined {
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  for (const [, file, line] of stack.matchAll(/^\s+at (?:.*\()?(file:\/\/[^\s)]+?|\/[^\s)]+?):(\d+):\d+\)?$/gm)) {
    const path = file?.startsWith('file:') ? fileURLToPath(file) : (file ?? '');
    if (path.startsWith(repositoryRoot) && !path.includes('/node_modules/')) return `${relative(repositoryRoot, path)}:${line}`;
  }
  return undefined;
}
