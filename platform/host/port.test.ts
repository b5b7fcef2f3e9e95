import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ensurePortFree } from './port.ts';

const held: Server[] = [];

function listen(port: number): Promise<Server> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const close = (servers: Server[]) => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));

/**
 * Holds `count` consecutive ports on 127.0.0.1 and returns the first: a run found free now, below Linux's ephemeral
 * range (32768 and up), where other processes' outgoing connections and `listen(0)` take ports at any time.
 */
async function holdRun(count: number): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const start = 20_000 + Math.floor(Math.random() * 12_000);
    const servers: Server[] = [];
    try {
      for (let i = 0; i < count; i++) servers.push(await listen(start + i));
      held.push(...servers);
      return start;
    } catch {
      await close(servers);
    }
  }
  throw new Error(`no ${count} consecutive free ports found`);
}

/** Lets the last port of a run go again (the one `ensurePortFree` should suggest). */
async function release(port: number): Promise<void> {
  const server = held.find((s) => (s.address() as AddressInfo).port === port);
  if (!server) throw new Error(`port ${port} is not held`);
  held.splice(held.indexOf(server), 1);
  await close([server]);
}

afterEach(async () => {
  await close(held.splice(0));
});

describe('ensurePortFree', () => {
  it('a taken port names it and suggests the next port that is free, skipping taken ones', async () => {
    const base = await holdRun(3);
    await release(base + 2);
    await expect(ensurePortFree('127.0.0.1', base)).rejects.toThrow(
      `Port ${base} on 127.0.0.1 is already in use, probably by another Cleave (npm start). Stop that process, or start this one on another port: PORT=${base + 2} npm start (free just now).`,
    );
  });

  it('when the ten ports after it are taken too, suggests PORT=0 rather than a port that is not free', async () => {
    const base = await holdRun(11);
    await expect(ensurePortFree('127.0.0.1', base)).rejects.toThrow(
      `start this one on another port: PORT=0 npm start picks a free one (ports ${base + 1} to ${base + 10} are taken too).`,
    );
  });

  it('a free port passes', async () => {
    const base = await holdRun(1);
    await release(base);
    await expect(ensurePortFree('127.0.0.1', base)).resolves.toBeUndefined();
  });
});
