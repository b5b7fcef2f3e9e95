/** Bare `node:http`: the floor every other server is compared with. Same route, same body, nothing else. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { announceReady, helloPrefix } from './shared.ts';

const server = createServer((req, res) => {
  const url = req.url ?? '';
  if (req.method === 'GET' && url.startsWith(helloPrefix)) {
    const body = JSON.stringify({ hello: decodeURIComponent(url.slice(helloPrefix.length)) });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  res.writeHead(404).end();
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  announceReady(port, () => new Promise((done) => server.close(() => done())));
});
