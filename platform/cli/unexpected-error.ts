import { readEnvironment } from '../config/index.ts';

/**
 * What a command prints for an error it did not expect (a module whose code throws, a bug): one line,
 * `<name>: <message>`, rather than a stack trace the user cannot act on. With `DEBUG` set to anything but empty or
 * `0` (`DEBUG=1 npm run openapi`), the stack follows, and those of the error's causes. The command exits 1 after it.
 *
 * @example
 * catch (error) { process.stderr.write(unexpectedError('openapi', error)); process.exitCode = 1; }
 */
export function unexpectedError(name: string, error: unknown, env: Record<string, string | undefined> = readEnvironment()): string {
  return `${name}: ${error instanceof Error ? error.message : String(error)}\n${debugStacks(error, env)}`;
}

/** With `DEBUG` set to anything but empty or `0`: the stacks of the error and its causes, one after the other; else ''. */
export function debugStacks(error: unknown, env: Record<string, string | undefined> = readEnvironment()): string {
  if (env.DEBUG === undefined || env.DEBUG === '' || env.DEBUG === '0') return '';
  const stacks: string[] = [];
  for (let e: unknown = error; e instanceof Error && stacks.length < 10; e = e.cause)
    stacks.push(`${stacks.length > 0 ? 'caused by: ' : ''}${e.stack ?? e.message}`);
  return stacks.length === 0 ? '' : `${stacks.join('\n')}\n`;
}
