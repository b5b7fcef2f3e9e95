import { connect, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { SendTimeoutError } from './http-send.ts';
import { undiciSender } from './http-send-undici.ts';

/**
 * A listener that takes no connections until told to: it runs in a worker whose event loop is blocked (so nothing
 * calls accept), with a backlog of 1. Once the kernel's accept queue is full, it drops further SYNs, and a client's
 * connect hangs, retrying, until the worker is released and accepts. The worker counts the connections it accepted
 * and the bytes they sent.
 */
const listenerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const net = require('node:net');
const gate = new Int32Array(workerData.gate);
const counts = new Int32Array(workerData.counts);
const server = net.createServer((socket) => {
  Atomics.add(counts, 0, 1);
  socket.on('data', (chunk) => Atomics.add(counts, 1, chunk.length));
  socket.on('error', () => {});
});
server.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => {
  parentPort.postMessage(server.address().port);
  // Blocks this thread's loop until released: connections wait in the kernel's queue, unaccepted.
  setImmediate(() => Atomics.wait(gate, 0, 0));
});
parentPort.on('message', () => server.close());
`;

interface HeldListener {
  port: number;
  /** Connections accepted, bytes received (readable while the worker is blocked). */
  accepted(): number;
  received(): number;
  release(): void;
  close(): Promise<void>;
}

async function heldListener(): Promise<HeldListener> {
  const gate = new SharedArrayBuffer(4);
  const counts = new SharedArrayBuffer(8);
  const worker = new Worker(listenerSource, { eval: true, workerData: { gate, counts } });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const view = new Int32Array(counts);
  const release = () => {
    Atomics.store(new Int32Array(gate), 0, 1);
    Atomics.notify(new Int32Array(gate), 0);
  };
  return {
    port,
    accepted: () => Atomics.load(view, 0),
    received: () => Atomics.load(view, 1),
    release,
    async close() {
      release();
      worker.postMessage('close');
      await worker.terminate();
    },
  };
}

async function until(condition: () => boolean, what: string, deadlineMs = 20_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('undici sender', () => {
  it('a deadline that passes while the connection is still being made fails the call at once, and the request is never sent', async () => {
    const listener = await heldListener();
    cleanups.push(() => listener.close());
    // Fill the accept queue (backlog 1 holds two): these complete in the kernel, unaccepted; later SYNs are dropped.
    const fillers: Socket[] = [];
    for (let i = 0; i < 3; i++) fillers.push(connect(listener.port, '127.0.0.1').on('error', () => {}));
    cleanups.push(() => fillers.forEach((socket) => socket.destroy()));
    await new Promise((resolve) => setTimeout(resolve, 200));

    const send = undiciSender();
    const started = Date.now();
    const outcome = await send(`http://127.0.0.1:${listener.port}`, { method: 'POST', target: '/orders/v1/orders', headers: { 'content-type': 'application/json' }, body: '{"n":1}' }, 300).then(
      () => 'answered',
      (error: unknown) => error,
    );
    expect(outcome).toBeInstanceOf(SendTimeoutError);
    // Well before undici's own connect timeout (10 s): the deadline, not the connection attempt, ended it.
    expect(Date.now() - started).toBeLessThan(8_000);

    // Released, the listener accepts everything queued, then the sender's connection once its SYN is retried: that
    // connection must carry nothing (the request was aborted at connect, not sent late to a caller who gave up).
    const fillersAccepted = fillers.length;
    listener.release();
    await until(() => listener.accepted() > fillersAccepted - 1, 'the queued connections to be accepted');
    await until(() => listener.accepted() >= fillersAccepted + 1, "the sender's connection to be accepted");
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(listener.received()).toBe(0);
  });
});
