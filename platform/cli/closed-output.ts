import process from 'node:process';

/**
 * Lets a command's output be cut short by its reader (`npm run extract -- inventory --dry-run | head -1`): when the
 * reader closes the pipe, writing to stdout or stderr fails with EPIPE, which Node raises as an uncaught error with a
 * stack trace. Installed first thing in an entry point, it drops the rest of the output instead, quietly, and the
 * command finishes what it does with its usual exit code; files it writes are written all the same. Any other
 * error of those streams is raised as before.
 */
export function ignoreClosedOutput(streams: readonly NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      // Finishing rather than exiting: a command may be between two steps (files written, a database changed).
      if (error.code === 'EPIPE') return;
      throw error;
    });
  }
}
