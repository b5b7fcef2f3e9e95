/**
 * A Moleculer node in its own process serving the `bench` service over the TCP transporter: the remote side of the
 * Moleculer TCP call in `npm run bench:calls`. BENCH_MOLECULER_PORTS names every node's loopback port
 * (`bench-provider=40001,bench-caller=40002`).
 */
import process from 'node:process';
import { announceReady } from '../servers/shared.ts';
import { createBroker, helloService } from './moleculer.ts';

const ports = Object.fromEntries((process.env.BENCH_MOLECULER_PORTS ?? '').split(',').map((pair) => pair.split('=') as [string, string]));
const self = 'bench-provider';
const port = Number(ports[self]);
if (!Number.isInteger(port)) throw new Error(`BENCH_MOLECULER_PORTS names no port for ${self}`);
const broker = createBroker(self, Object.fromEntries(Object.entries(ports).map(([id, p]) => [id, Number(p)])));
broker.createService(helloService);
await broker.start();
announceReady(port, () => broker.stop());
