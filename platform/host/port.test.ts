import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ensurePortFree } from './port.ts';

// This project's test ports: 47450 to 47470 here.
const base = 47450;
const held: Server[] = [];

async function take(port: number): Promise<void> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  held.push(server);
}

afterEach(async () => {
  await Promise.all(held.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

describe('ensurePortFree', () => {
  it('a taken port names it and suggests the next port that is free, skipping taken ones', async () => {
    await take(base);
    await take(base + 1);
    await expect(ensurePortFree('127.0.0.1', base)).rejects.toThrow(
      `Port ${base} on 127.0.0.1 is already in use, probably by another Cleave (npm start). Stop that process, or start this one on another port: PORT=${base + 2} npm start (free just now).`,
    );
  });

  it('when the ten ports after it are taken too, suggests PORT=0 rather than a port that is not free', async () => {
    for (let port = base; port <= base + 10; port++) await take(port);
    await expect(ensurePortFree('127.0.0.1', base)).rejects.toThrow(
      `start this one on another port: PORT=0 npm start picks a free one (ports ${base + 1} to ${base + 10} are taken too).`,
    );
  });

  it('a free port passes', async () => {
    await expect(ensurePortFree('127.0.0.1', base)).resolves.toBeUndefined();
  });
});
