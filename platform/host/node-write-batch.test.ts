import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RawConnection, type RawResponse } from '../../tests/support/raw-http.ts';
import { EdgeServerResponse } from './node-response.ts';
import { listen } from './serve-node.ts';
import type { RunningServer } from './serve.ts';

type Handler = (request: IncomingMessage, response: EdgeServerResponse) => void;

/** One GET on a new raw connection: its answer as read off the wire. */
async function rawGet(port: number): Promise<RawResponse> {
  const connection = await RawConnection.open(port);
  try {
    return await connection.send({ method: 'GET', path: '/' });
  } finally {
    connection.close();
  }
}

const servers: { close(): unknown }[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

/** A plain node:http server answering through Cleave's response class, as `listen` makes it. */
async function rawServer(handler: Handler): Promise<{ port: number; server: Server }> {
  const server = createServer({ ServerResponse: EdgeServerResponse }, handler as never);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({ close: () => new Promise((done) => server.close(done)).then(() => server.closeAllConnections()) });
  return { port: (server.address() as AddressInfo).port, server };
}

/** A GET over a keep-alive agent (or a fresh connection), its status and body. */
function get(port: number, path: string, agent?: Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: agent ?? false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('answers ended in one turn of the event loop are written together at its end', () => {
  it('an ended answer waits in its corked socket until the turn ends, then leaves whole', async () => {
    const seen: { ended: boolean; corked: number; buffered: number }[] = [];
    const after: { corked: number; buffered: number }[] = [];
    const { port } = await rawServer((_request, response) => {
      response.end('held');
      const socket = response.socket;
      if (!socket) throw new Error('no socket');
      seen.push({ ended: response.writableEnded, corked: socket.writableCorked, buffered: socket.writableLength });
      setImmediate(() => after.push({ corked: socket.writableCorked, buffered: socket.writableLength }));
    });
    const answer = await get(port, '/');
    expect(answer).toEqual({ status: 200, body: 'held' });
    // Ended for Node (its head and keep-alive decided), its bytes still in the socket's buffer: not yet written.
    expect(seen).toEqual([{ ended: true, corked: 1, buffered: expect.any(Number) }]);
    expect(seen[0]?.buffered).toBeGreaterThan('held'.length);
    // Written at the end of the turn: nothing left corked or buffered.
    await expect.poll(() => after).toEqual([{ corked: 0, buffered: 0 }]);
  });

  it('many answers ended in the same turn are held together, at most 32 at a time', async () => {
    const connections = 40;
    const pending: EdgeServerResponse[] = [];
    const bufferedAfterEnds: number[] = [];
    const { port } = await rawServer((_request, response) => {
      pending.push(response);
      if (pending.length < connections) return;
      // Every answer ends in this one callback: the first 32 are written when the 32nd is held, the rest at the turn's end.
      for (const held of pending) held.end(`answer ${pending.indexOf(held)}`);
      for (const held of pending) bufferedAfterEnds.push(held.socket?.writableLength ?? -1);
    });
    const agent = new Agent({ keepAlive: true, maxSockets: connections });
    try {
      const answers = await Promise.all(Array.from({ length: connections }, () => get(port, '/', agent)));
      expect(answers.map((a) => a.status)).toEqual(Array.from({ length: connections }, () => 200));
      expect(new Set(answers.map((a) => a.body)).size).toBe(connections);
    } finally {
      agent.destroy();
    }
    expect(bufferedAfterEnds.slice(0, 32).every((bytes) => bytes === 0)).toBe(true);
    expect(bufferedAfterEnds.slice(32).every((bytes) => bytes > 0)).toBe(true);
  });

  it('an answer destroyed right after it ended is written first', async () => {
    const { port } = await rawServer((_request, response) => {
      response.end('last words');
      response.destroy();
    });
    const received = await rawGet(port);
    expect(received.status).toBe(200);
    expect(received.body).toBe('last words');
  });

  describe('through the host adapter', () => {
    let running: RunningServer | undefined;
    afterEach(async () => {
      await running?.close();
      running = undefined;
    });

    it('pipelined requests on one connection get their answers in order', async () => {
      running = await listen((request) => new Response(new URL(request.url).pathname), { host: '127.0.0.1', port: 0 });
      const port = Number(new URL(running.url).port);
      const paths = ['/a', '/b', '/c', '/d', '/e'];
      const text = paths.map((path) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`).join('');
      const connection = await RawConnection.open(port);
      try {
        const answers = [await connection.sendBytes(text)];
        while (answers.length < paths.length) answers.push(await connection.next());
        expect(answers.map((a) => a.status)).toEqual(paths.map(() => 200));
        expect(answers.map((a) => a.body)).toEqual(paths);
      } finally {
        connection.close();
      }
    });

    it('an answer ended in the turn the server closes in still reaches its client', async () => {
      let server: RunningServer | undefined;
      let closed: Promise<void> | undefined;
      server = await listen(
        () => {
          const answer = new Response('goodbye');
          // The answer is ended in this turn (a cached response is written at once); the close comes in the same turn.
          queueMicrotask(() => {
            closed = server?.close();
            server = undefined;
          });
          return answer;
        },
        { host: '127.0.0.1', port: 0 },
      );
      const port = Number(new URL(server.url).port);
      const received = await rawGet(port);
      expect(received.status).toBe(200);
      expect(received.body).toBe('goodbye');
      await closed;
    });

    it('answers still leave while a test fakes the global timers (setImmediate among them)', async () => {
      running = await listen(() => new Response('real time'), { host: '127.0.0.1', port: 0 });
      const port = Number(new URL(running.url).port);
      vi.useFakeTimers();
      try {
        expect(vi.isFakeTimers()).toBe(true);
        const received = await rawGet(port);
        expect(received.status).toBe(200);
        expect(received.body).toBe('real time');
      } finally {
        vi.useRealTimers();
      }
    });

    it('under load every request gets its own answer: 50 connections, 2,000 requests, counted', async () => {
      running = await listen((request) => Response.json({ path: new URL(request.url).pathname }), { host: '127.0.0.1', port: 0 });
      const port = Number(new URL(running.url).port);
      const agent = new Agent({ keepAlive: true, maxSockets: 50 });
      let matched = 0;
      try {
        await Promise.all(
          Array.from({ length: 50 }, async (_, connection) => {
            for (let i = 0; i < 40; i++) {
              const path = `/c${connection}/r${i}`;
              const answer = await get(port, path, agent);
              if (answer.status === 200 && (JSON.parse(answer.body) as { path: string }).path === path) matched++;
            }
          }),
        );
      } finally {
        agent.destroy();
      }
      expect(matched).toBe(2000);
    });
  });
});
