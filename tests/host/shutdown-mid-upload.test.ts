import { connect } from 'node:net';
import process from 'node:process';
import { afterAll, describe, expect, it } from 'vitest';
import { startProcessHost, type ProcessHost, type Runtime } from '../support/process-host.ts';
import { eventually } from '../support/test-host.ts';
import { processTestTimeoutMs } from '../support/timeouts.ts';

/**
 * A request whose body is still arriving when the host is told to stop is served to its end, on Node and on Deno:
 * the write is not lost, and the client is not blamed with a 400 for a body the server cut short.
 */
describe.each<Runtime>(['node', 'deno'])('a SIGTERM while a request body is still arriving, on %s', (runtime) => {
  let host: ProcessHost | undefined;
  afterAll(async () => host?.kill());

  it('finishes the request (201) before the host exits', { timeout: processTestTimeoutMs }, async () => {
    host = await startProcessHost({ runtime });
    const token = await host.token();
    const body = JSON.stringify({ sku: `UPLOAD-${runtime}`, name: 'Sent in two halves', price: { amount: 100, currency: 'EUR' } });
    const { hostname, port } = new URL(host.url);
    const socket = connect(Number(port), hostname);
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(
      [
        'POST /catalog/v1/products HTTP/1.1',
        `Host: ${hostname}:${port}`,
        `Authorization: Bearer ${token}`,
        'Content-Type: application/json',
        `Content-Length: ${Buffer.byteLength(body)}`,
        'Connection: close',
        '',
        '',
      ].join('\r\n') + body.slice(0, 20),
    );
    const exited = host.exited();
    process.kill(host.pid as number, 'SIGTERM');
    await eventually(() => expect(host?.output()).toContain('shutting down'), 30_000);
    // The drain has begun (no delay in tests) and the server is closing: only now does the rest of the body come.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    socket.write(body.slice(20));
    await ended;
    expect(answer).toMatch(/^HTTP\/1\.1 201 /);
    expect(answer).toContain(`"sku":"UPLOAD-${runtime}"`);
    expect(await exited).toEqual({ code: 0, signal: null });
  });
});
