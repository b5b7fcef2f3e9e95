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
        reject(
          new Error(
            `Port ${port} on ${host} is already in use, probably by another Cleave (npm start). ` +
              `Stop that process, or start this one on another port: PORT=${port + 1} npm start.`,
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
