import type { Duplex } from 'node:stream';
import type { RedisOptions } from 'ioredis';
import * as standalone from 'ioredis/built/connectors/StandaloneConnector.js';

/** What the guard uses of ioredis's `StandaloneConnector` (its types describe the module object, not the class). */
type StandaloneConnectorClass = new (options: unknown) => { connect(...args: unknown[]): Promise<Duplex> };
// The CommonJS module's default export, however the runtime presents it to an ES module (the class, or the module
// object holding it).
const exported = (standalone as unknown as { default: StandaloneConnectorClass | { default: StandaloneConnectorClass } }).default;
const StandaloneConnector: StandaloneConnectorClass = typeof exported === 'function' ? exported : exported.default;

/**
 * ioredis's connector, with an `error` listener that stays on every socket it opens. ioredis listens with `once`, so a
 * socket that fails twice (a TLS handshake refused, then the peer's alert read after it: `tlsv1 alert decode error`)
 * raised the second error as an uncaught exception and took the process down. ioredis has seen and handled the
 * first error by then (reconnecting or giving up); the later ones carry nothing new.
 */
class GuardedConnector extends StandaloneConnector {
  override async connect(...args: unknown[]): Promise<Duplex> {
    const stream = await super.connect(...args);
    stream.on('error', ignoreLaterErrors);
    return stream;
  }
}

function ignoreLaterErrors(): void {}

/** Options that make an ioredis client (and BullMQ's duplicates of it, which copy its options) use the guard. */
export const guardedStreams: Pick<RedisOptions, 'Connector'> = { Connector: GuardedConnector as unknown as NonNullable<RedisOptions['Connector']> };
