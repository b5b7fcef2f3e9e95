/**
 * The container image's HEALTHCHECK (slim images have no curl): asks this host, on loopback, for `/health/ready` (or
 * the path given as the first argument, e.g. `/health/live`) and exits 0 on a 200, 1 otherwise. It reads the same
 * configuration as the host, so it follows `PORT`, `HOST` and HTTPS.
 */
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import process from 'node:process';
import { loadConfigOrExit } from '../platform/config/index.ts';

const path = process.argv[2] ?? '/health/ready';
const timeoutMs = 4_000;
const config = loadConfigOrExit();
const { host, port } = config.server;
const loopback = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
const tls = config.tls.server;
const { cert, key } = config.tls.remote;
const options: RequestOptions & { rejectUnauthorized?: boolean; cert?: string; key?: string } = {
  host: loopback,
  port,
  path,
  timeout: timeoutMs,
  // The host's own certificate names its public address, not loopback: this only asks whether the process answers.
  // Under mutual TLS it shows the certificate the host presents to other modules.
  ...(tls ? { rejectUnauthorized: false, ...(cert && key ? { cert, key } : {}) } : {}),
};

const finish = (code: number, line: string) => {
  process.stdout.write(`${line}\n`);
  process.exit(code);
};
// Under mutual TLS the host refuses a handshake without a client certificate: without one the check can only fail,
// and it says why rather than report the host unhealthy for a TLS alert.
if (tls?.clientCa && !(cert && key))
  finish(
    1,
    `${path}: this host requires client certificates (TLS_CLIENT_CA_FILE) and the health check has none: set REMOTE_CLIENT_CERT_FILE and REMOTE_CLIENT_KEY_FILE (a client certificate from that CA) or probe the port (tcpSocket)`,
  );
const request = (tls ? httpsRequest : httpRequest)(options, (response) => {
  response.resume();
  finish(response.statusCode === 200 ? 0 : 1, `${path}: ${response.statusCode ?? 'no status'}`);
});
request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
request.on('error', (error) => finish(1, `${path}: ${error.message}`));
request.end();
