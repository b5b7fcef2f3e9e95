import { createServer } from 'node:net';

/**
 * Fails with a readable message when `host:port` is taken, so a second `npm start` stops before it migrates or loads
 * demo data. (The port may still be taken between this check and the real listen; then that listen fails.)
 */
export async function ensurePortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EADDRINUSE') return reject(error);
      reject(
        new Error(
          `Port ${port} on ${host} is already in use, probably by another Cleave (npm start). ` +
            `Stop that process, or start this one on another port: PORT=${port + 1} npm start.`,
        ),
      );
    });
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
