import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import process from 'node:process';

/** An output file a command could not write: `cannot write <path>: <reason>`, for the command to print and exit 1. */
export class OutputError extends Error {
  override name = 'OutputError';
  readonly path: string;
  constructor(path: string, cause: unknown) {
    super(`cannot write ${path}: ${fileInTheWay(path) ?? reasonOf(cause)}`, { cause });
    this.path = path;
  }
}

/**
 * Writes a command's output files all or none: each goes to a temporary file beside its target first, and only when
 * every one is written are they renamed into place. On failure the temporary files are removed and an
 * {@link OutputError} names the path that failed; no target has changed.
 *
 * @example
 * try { writeOutputFiles([['docs/a.md', md], ['docs/a.json', json]]); } catch (e) { if (e instanceof OutputError) fail(e.message, 1); throw e; }
 */
export function writeOutputFiles(files: Iterable<readonly [path: string, content: string]>): void {
  const staged: [temporary: string, path: string][] = [];
  try {
    for (const [path, content] of files) {
      const temporary = `${path}.${process.pid}.tmp`;
      try {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(temporary, content, { flag: 'wx' });
      } catch (error) {
        throw new OutputError(path, error);
      }
      staged.push([temporary, path]);
    }
    for (const [temporary, path] of staged) {
      try {
        renameSync(temporary, path);
      } catch (error) {
        throw new OutputError(path, error);
      }
    }
  } finally {
    for (const [temporary] of staged) rmSync(temporary, { force: true });
  }
}

/** `/tmp/a is a file, not a folder` when a file stands where the path needs a folder (mkdir says EEXIST or ENOTDIR). */
function fileInTheWay(path: string): string | undefined {
  for (let folder = dirname(path); folder !== dirname(folder); folder = dirname(folder)) {
    let stat;
    try {
      stat = statSync(folder);
    } catch {
      continue; // missing, or below a file: look further up
    }
    return stat.isDirectory() ? undefined : `${folder} is a file, not a folder`;
  }
  return undefined;
}

/** `not a directory (ENOTDIR)` from Node's `ENOTDIR: not a directory, mkdir '/tmp/x'`. */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const system = /^([A-Z]+): ([^,]+)/.exec(message);
  return system ? `${system[2]} (${system[1]})` : message;
}
