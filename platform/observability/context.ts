import { AsyncLocalStorage } from 'node:async_hooks';
import type { Span } from '@opentelemetry/api';
import type { Principal } from '../security/principal.ts';

/**
 * What travels with a unit of work (a request or an event delivery) across awaits: ids for correlation and
 * tracing, and who the caller is. Read by the outbox writer and the module clients so they propagate it.
 */
export interface ExecutionContext {
  requestId?: string;
  correlationId: string;
  /** The id of the message that caused this work: the request id, or the event id being handled. */
  causationId?: string;
  traceparent?: string;
  /** The span of this unit of work when tracing is on: new spans (and the `traceparent` sent onwards) descend from it. */
  span?: Span;
  /** The module or client that called, as authenticated (never a header a client sent). */
  caller?: string;
  /** Who is calling, authenticated: a user, a machine client, or a module (with the user it calls for). */
  principal?: Principal;
  /**
   * The end user's access token, kept so that a module calling another process can pass it on beside its own
   * (`Cleave-On-Behalf-Of`); never logged.
   */
  userToken?: string;
}

const storage = new AsyncLocalStorage<ExecutionContext>();

export function currentContext(): ExecutionContext | undefined {
  return storage.getStore();
}

export function runInContext<T, A extends unknown[] = []>(context: ExecutionContext, fn: (...args: A) => T, ...args: A): T {
  return storage.run(context, fn, ...args);
}

/**
 * Runs `fn` outside any execution context: work a request only wakes (the outbox relay's pass) belongs to no request,
 * and must not carry its ids into logs and traces.
 */
export function outsideContext<T>(fn: () => T): T {
  return storage.exit(fn);
}
