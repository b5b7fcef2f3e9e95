import { AsyncLocalStorage } from 'node:async_hooks';

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
  /** The module or service on whose behalf this runs. */
  caller?: string;
}

const storage = new AsyncLocalStorage<ExecutionContext>();

export function currentContext(): ExecutionContext | undefined {
  return storage.getStore();
}

export function runInContext<T, A extends unknown[] = []>(context: ExecutionContext, fn: (...args: A) => T, ...args: A): T {
  return storage.run(context, fn, ...args);
}
