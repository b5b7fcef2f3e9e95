/**
 * What the three benchmark servers have in common: the route they answer, the exact body, and how a server child
 * tells the parent it is listening and shuts down cleanly (so `--cpu-prof` can write its profile on exit).
 */
import process from 'node:process';

/** The path prefix every server answers; the name after it is echoed back. */
export const helloPrefix = '/bench/v1/hello/';

/** The request the parent sends, and the one body every server must answer it with. */
export const helloPath = `${helloPrefix}world`;
export const expectedBody = JSON.stringify({ hello: 'world' });

/** Prints `ready <port>` on stdout for the parent, then closes and exits on SIGTERM or SIGINT. */
export function announceReady(port: number, close: () => Promise<void>): void {
  process.stdout.write(`ready ${port}\n`);
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    void close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
