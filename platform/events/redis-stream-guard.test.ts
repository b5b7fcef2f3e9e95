import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { guardedStreams } from './redis-stream-guard.ts';

/** A TCP server that accepts and says nothing: enough for ioredis to open its socket. */
describe('the ioredis stream guard', () => {
  let server: Server;
  const sockets: Socket[] = [];
  let port = 0;
  beforeAll(async () => {
    server = createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });

  const connected = async (options: object) => {
    const redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null, enableOfflineQueue: false, ...options });
    redis.on('error', () => {});
    void redis.connect().catch(() => {});
    for (let i = 0; i < 200 && !(redis as unknown as { stream?: unknown }).stream; i++) await new Promise((r) => setTimeout(r, 10));
    return redis;
  };
  // What a TLS socket can do after a refused handshake: a second error, read from the peer's alert.
  const failTwice = (redis: Redis) => {
    const stream = (redis as unknown as { stream: Socket }).stream;
    stream.emit('error', new Error('unable to verify the first certificate'));
    stream.emit('error', Object.assign(new Error('tlsv1 alert decode error'), { code: 'ERR_SSL_TLSV1_ALERT_DECODE_ERROR' }));
  };

  it('a socket that errs twice raises nothing (plain ioredis would throw the second error)', async () => {
    const plain = await connected({});
    expect(() => failTwice(plain)).toThrow('tlsv1 alert decode error');
    plain.disconnect();
    const guarded = await connected(guardedStreams);
    expect(() => failTwice(guarded)).not.toThrow();
    guarded.disconnect();
  });

  it("is kept by BullMQ's duplicates, which copy the client's options", async () => {
    const guarded = await connected(guardedStreams);
    const duplicate = guarded.duplicate();
    expect(duplicate.options.Connector).toBe(guardedStreams.Connector);
    guarded.disconnect();
    duplicate.disconnect();
  });
});
