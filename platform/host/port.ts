import { createServer } from 'node:net';

/**
 * Fails with a readable message when this process cannot listen at `host:port` (taken, an address that is not this
 * machine's, a host name that does not resolve, a privileged port), so `npm start` stops before it migrates or loads
 * demo data. (The port may still be taken between this check and the real listen; then that listen fails.)
 */
export async function ensurePortFree(host: string, port: number): Promise<void> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        void nextFreePort(host, port).then((free) =>
          reject(
            new Error(
              `Port ${port} on ${host} is already in use, probably by another Cleave (npm start). ` +
                `Stop that process, or start this one on another port: ${free === undefined ? `PORT=0 npm start picks a free one (ports ${port + 1} to ${port + 10} are taken too)` : `PORT=${free} npm start (free just now)`}.`,
            ),
          ),
        );
        return;
      }
      // Port 0 is always free: a failure there is the address.
      const check = error.code === 'EACCES' && port !== 0 ? 'PORT (below 1024 needs privileges) and HOST' : 'HOST';
      reject(new Error(`Cannot listen on ${host}:${port}: ${error.message}; check ${check}.`, { cause: error }));
    });
    // Port 0 too: it checks the address alone.
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/** Whether this process could listen at `host:port` just now. */
function canListen(host: string, port: number): Promise<boolean> {
  const probe = createServer();
  return new Promise((resolve) => {
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

/** The first of the ten ports after `port` that is free, to suggest one that works. */
async function nextFreePort(host: string, port: number): Promise<number | undefined> {
  for (let candidate = port + 1; candidate <= Math.min(port + 10, 65_535); candidate++) {
    if (await canListen(host, candidate)) return candidate;
  }
  return undefined;
}
