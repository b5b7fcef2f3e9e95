import { connect } from 'node:net';

export interface Sample {
  p50: number;
  p99: number;
}

/** The value at quantile `q` of sorted `values`. */
export function percentile(values: readonly number[], q: number): number {
  return values[Math.min(values.length - 1, Math.floor(q * values.length))] ?? Number.NaN;
}

/** Whether something listens at the host and port of `url`. */
export function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  const defaultPort = url.startsWith('redis') ? 6379 : 5432;
  return new Promise((resolve) => {
    const socket = connect(Number(port || defaultPort), hostname);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => done(true));
  });
}
