import { CleaveError, isDomainError } from '../http/errors.ts';
import type { Logger } from '../observability/index.ts';
import { createCallPolicy, isPolicyRejection, retryAfterMs, type CallPolicy, type CallPolicyStats, type PolicyRejectedError } from '../resilience/index.ts';
import type { Transport } from './client.ts';
import { answerResponse, senderFor, SendTimeoutError, type HttpClient, type ModuleAnswer, type ModuleCall, type RemoteTls, type Sender } from './http-send.ts';

export interface HttpTransportOptions {
  /** The base URL of one instance of the module, e.g. `http://10.0.0.7:3000`; asked again on every attempt. */
  resolve(module: string): Promise<string> | string;
  /** Called when an instance fails at the network level or times out, so discovery can drop it. */
  onFailure?(module: string, baseUrl: string, error: CleaveError): void;
  /** Called before each retry of a call to `module` (metrics). */
  onRetry?: ((module: string) => void) | undefined;
  /** Per attempt. Default 2000. */
  timeoutMs?: number;
  /** Further attempts for idempotent calls. Default 2. */
  retries?: number;
  /** Default 50. */
  retryBaseMs?: number;
  /** Default 1000. A `Retry-After` longer than four times this (at most 10 s) is not waited for. */
  retryMaxMs?: number;
  /** Consecutive failed calls that open a module's breaker. Default 5. */
  breakerThreshold?: number;
  /** Default 5000. */
  breakerHalfOpenAfterMs?: number;
  /** Calls in flight per module. Default 50. */
  maxConcurrent?: number;
  /** Calls waiting for a slot per module; beyond that calls are refused. Default 100. */
  maxQueued?: number;
  log: Logger;
  /** The HTTP client: undici's pooled `dispatch` on Node, `fetch` on Deno (the default for each). */
  client?: HttpClient;
  /** The CA `https://` instances are verified against and the client certificate presented (mutual TLS). */
  tls?: RemoteTls;
}

/** Breaker state, in-flight and queued calls per remote module, for /ops and health. */
export type HttpTransportStats = Record<string, CallPolicyStats>;

export type HttpTransport = Transport & {
  /**
   * The transport without Web `Request`/`Response`: the call as plain data, the answer read in full. Same
   * resilience as the `Transport` signature (timeout including the body, retries, breaker, bulkhead, `Retry-After`),
   * without building a `Request` to send and a `Response` to return: for a client that builds calls itself.
   */
  send(module: string, call: ModuleCall): Promise<ModuleAnswer>;
  stats(): HttpTransportStats;
  /**
   * Runs `attempt` (a request to the module made elsewhere, such as the gateway's forwarding) under the module's
   * bulkhead and circuit breaker, without retries, so every route to a module feeds and obeys the same breaker.
   */
  guard(module: string, attempt: () => Promise<Response>): Promise<Response>;
};

// RFC 9110 §9.2.2; POST and PATCH only with an Idempotency-Key.
const idempotentMethods = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
const retryableStatuses = new Set([429, 502, 503, 504]);
const transientCodes = new Set(['http/upstream-unavailable', 'http/upstream-timeout']);
const retryAfterCeilingMs = 10_000;

/**
 * The transport for a module that runs in another process: HTTP to an instance from `resolve` (undici's pooled
 * client on Node, `fetch` on Deno), under a
 * per-module bulkhead, circuit breaker and retries, with a timeout on every attempt. Upstream answers, problems
 * included, come back as responses; failures to get one are thrown as `CleaveError`s naming the module.
 *
 * @example
 * const transport = createHttpTransport({ resolve: () => 'http://inventory:3000', log });
 * const inventory = createClient(inventoryContract, transport, 'catalog');
 */
export function createHttpTransport(options: HttpTransportOptions): HttpTransport {
  const timeoutMs = options.timeoutMs ?? 2000;
  const retryMaxMs = options.retryMaxMs ?? 1000;
  const retryAfterCapMs = Math.min(retryMaxMs * 4, retryAfterCeilingMs);
  // What a caller is told to wait after an instance could not be reached: until the breaker would try again.
  const retryAfterSeconds = Math.ceil((options.breakerHalfOpenAfterMs ?? 5000) / 1000);
  const policies = new Map<string, CallPolicy<Answer>>();
  let sender: Sender | undefined;

  const policyFor = (module: string): CallPolicy<Answer> => {
    const existing = policies.get(module);
    if (existing) return existing;
    const log = options.log.child({ remoteModule: module });
    const policy = createCallPolicy<Answer>({
      retries: options.retries ?? 2,
      retryBaseMs: options.retryBaseMs ?? 50,
      retryMaxMs,
      breakerThreshold: options.breakerThreshold ?? 5,
      breakerHalfOpenAfterMs: options.breakerHalfOpenAfterMs ?? 5000,
      maxConcurrent: options.maxConcurrent ?? 50,
      maxQueued: options.maxQueued ?? 100,
      isTransientError: (error) => isDomainError(error) && transientCodes.has(error.code),
      // A Retry-After beyond the cap is respected by not retrying: the caller gets the answer now.
      isRetryableResult: (r) => retryableStatuses.has(r.status) && (retryAfterMs(retryAfterOf(r)) ?? 0) <= retryAfterCapMs,
      isFailedResult: (r) => r.status >= 500,
      minRetryDelayMs: (r) => retryAfterMs(retryAfterOf(r)),
      onBreakerChange: (state, reopensAt) =>
        state === 'open' ? log.warn({ breaker: state, reopensAt }, 'circuit opened') : log.info({ breaker: state }, `circuit ${state}`),
      onRetry: (attempt, delayMs, failure) => {
        options.onRetry?.(module);
        log.debug({ attempt, delayMs, ...('value' in failure ? { status: failure.value.status } : { code: codeOf(failure.error) }) }, 'retrying call');
      },
    });
    policies.set(module, policy);
    return policy;
  };

  const attempt = async (module: string, call: ModuleCall): Promise<ModuleAnswer> => {
    const baseUrl = await resolveInstance(options, module, retryAfterSeconds);
    sender ??= await senderFor(options.client, options.tls);
    try {
      // The deadline covers the body too: a provider that stalls mid-body must not hang the caller either.
      return await sender(baseUrl, call, timeoutMs);
    } catch (cause) {
      if (call.signal?.aborted) throw call.signal.reason;
      const details = { module };
      const failure = cause instanceof SendTimeoutError
        ? new CleaveError('timeout', 'http/upstream-timeout', `Module ${module} did not answer within ${timeoutMs} ms.`, { details, cause })
        : new CleaveError('unavailable', 'http/upstream-unavailable', `Module ${module} could not be reached.`, { details, cause, retryAfterSeconds });
      options.log.warn({ remoteModule: module, baseUrl, code: failure.code, reason: reasonOf(cause) }, 'call failed');
      try {
        options.onFailure?.(module, baseUrl, failure);
      } catch (error) {
        options.log.error({ err: error, remoteModule: module }, 'onFailure hook threw');
      }
      throw failure;
    }
  };

  const send = async (module: string, call: ModuleCall): Promise<ModuleAnswer> => {
    const retry = idempotentMethods.has(call.method) || call.headers['idempotency-key'] !== undefined;
    try {
      return (await policyFor(module).execute(() => attempt(module, call), { retry, ...(call.signal ? { signal: call.signal } : {}) })) as ModuleAnswer;
    } catch (error) {
      throw isPolicyRejection(error) ? rejected(module, error) : error;
    }
  };

  const transport = async (module: string, request: Request): Promise<Response> => {
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const body = request.body ? new Uint8Array(await request.arrayBuffer()) : undefined;
    const call: ModuleCall = { method: request.method, target: targetOf(request.url), headers, ...(body ? { body } : {}), signal: request.signal };
    return answerResponse(await send(module, call));
  };

  const guard = async (module: string, forward: () => Promise<Response>): Promise<Response> => {
    try {
      return (await policyFor(module).execute(forward, { retry: false })) as Response;
    } catch (error) {
      throw isPolicyRejection(error) ? rejected(module, error) : error;
    }
  };

  return Object.assign(transport, { send, guard, stats: () => Object.fromEntries([...policies].map(([module, policy]) => [module, policy.stats()])) });
}

async function resolveInstance(options: HttpTransportOptions, module: string, retryAfterSeconds: number): Promise<string> {
  try {
    return await options.resolve(module);
  } catch (error) {
    // Discovery's own code is kept; the module is added so the problem names it.
    if (isDomainError(error))
      throw new CleaveError(error.kind, error.code, error.message, {
        details: { ...error.details, module },
        cause: error,
        retryAfterSeconds: error.retryAfterSeconds ?? (error.kind === 'unavailable' ? retryAfterSeconds : undefined),
      });
    throw new CleaveError('unavailable', 'http/no-instance', `No instance of module ${module} is known.`, { details: { module }, cause: error, retryAfterSeconds });
  }
}

function rejected(module: string, error: PolicyRejectedError): CleaveError {
  if (error.reason === 'saturated') {
    return new CleaveError('unavailable', 'http/upstream-saturated', `Too many calls to module ${module} are in flight.`, { details: { module }, retryAfterSeconds: 1 });
  }
  const retryAt = error.reopensAt?.toISOString();
  const when = retryAt ? `; the next call goes through after ${retryAt}` : '';
  return new CleaveError('unavailable', 'http/circuit-open', `Module ${module} is failing, calls are paused${when}.`, {
    details: { module, ...(retryAt ? { retryAt } : {}) },
    retryAfterSeconds: error.reopensAt ? Math.max(1, (error.reopensAt.getTime() - Date.now()) / 1000) : 1,
  });
}

/** A call's answer, or a response the gateway forwarded under the same breaker (`guard`). */
type Answer = ModuleAnswer | Response;

function retryAfterOf(answer: Answer): string | null {
  return answer.headers instanceof Headers ? answer.headers.get('retry-after') : ((answer.headers as ModuleAnswer['headers'])['retry-after'] ?? null);
}

/** Path and query of the client's `http://cleave.internal/...` URL. */
function targetOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}

/** undici wraps socket errors as `TypeError: fetch failed` with the useful part (`ECONNREFUSED`, …) as its cause. */
function reasonOf(error: unknown): string {
  const inner: unknown = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  if (inner instanceof Error) return 'code' in inner && typeof inner.code === 'string' ? inner.code : inner.message;
  return String(inner);
}

function codeOf(error: Error): string {
  return isDomainError(error) ? error.code : error.name;
}
