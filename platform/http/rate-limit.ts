import type { Context, MiddlewareHandler } from 'hono';
import type { Logger } from '../observability/index.ts';
import type { AppEnv } from './app-env.ts';
import { basicCredentials } from './basic-credentials.ts';
import type { EdgeBindings, EdgeHeaderSink } from './edge-headers.ts';
import { guardMiddleware, type EdgeGuard } from './edge.ts';
import { clientAddress } from './client-address.ts';
import type { IpRanges } from './ip-ranges.ts';
import { problem, problemResponse } from './problem.ts';
import type { RateLimitPolicy, RateLimitState, RateLimitStore } from './rate-limit-store.ts';

export interface RateLimitOptions {
  store: RateLimitStore;
  /** Every request from one client IP address. */
  perIp: RateLimitPolicy;
  /** Every request of one authenticated client (of one user, for user tokens), counted when authentication calls `limitClient`. */
  perClient: RateLimitPolicy;
  /** Every request of one calling module (its client-credentials token), in place of `perClient`; `perClient` if absent. */
  perModule?: RateLimitPolicy;
  /** Operations that check a credential (token, sign-in, sign-up): per IP and per account tried, failing closed. */
  credentials: RateLimitPolicy;
  /** Proxies whose `X-Forwarded-For` is believed (see `clientAddress`). */
  trustedProxies: IpRanges;
  /** Paths not counted per IP by this host (health probes; what the gateway forwards, counted where it is served). */
  exempt?: (path: string) => boolean;
  /**
   * A request already known to come from a module (its bearer token verified before as a module's) is not counted
   * per IP: every call a module host makes comes from its one address, which would otherwise spend one address's
   * budget on all of them. It spends `perModule` once authenticated.
   */
  fromModule?: (c: Context<AppEnv>) => boolean;
  logger: Logger;
}

/** `Retry-After` of the 503 a credential operation answers while the store is down. */
const storeDownRetryAfterS = 5;
/** While the store is down, one warning per this long rather than one per request. */
const warnEveryMs = 10_000;
/** Longer account names are cut: contracts refuse them anyway, and a key stays small. */
const maxAccountLength = 200;

/**
 * App middleware: counts each request against its client IP's budget (`perIp`), and gives the rest of the chain
 * the two limits that need to know more than the address:
 *
 * - `c.get('limitClient')(budget, kind)`, for authentication middleware once it has verified who is calling
 *   (`clientBudget`), against `perModule` for a module and `perClient` for everyone else;
 * - `c.get('limitCredentials')(accounts)`, for operations that check a credential (`credentialLimit`).
 *
 * Each answers a 429 `http/too-many-requests` problem with `Retry-After` once the budget is spent. Every limit that
 * applied adds an item to the `RateLimit-Policy` and `RateLimit` headers, on allowed answers too, in the syntax of
 * draft-ietf-httpapi-ratelimit-headers-10 (structured-field lists): `RateLimit-Policy: "per-ip";q=600;w=60` and
 * `RateLimit: "per-ip";r=597;t=42` (`r` points left, `t` seconds until the window ends).
 *
 * When the store fails, the per-IP and per-client limits fail open (a warning, and the request goes on): an outage
 * of Redis should not take the API down. The credential limit fails closed (503 `http/rate-limit-unavailable`):
 * unthrottled password and secret guessing is worse than a sign-in that has to wait.
 *
 * A request with no client address (no socket: `app.request()`, a host's in-process calls) is not counted per IP.
 */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler<AppEnv> {
  return guardMiddleware(rateLimitGuard(options));
}

/** `rateLimit` as a guard of the app's edge (see `EdgeGuard`): a host's way, with no middleware of its own. */
export function rateLimitGuard(options: RateLimitOptions): EdgeGuard {
  const { store, logger } = options;
  let warnedAt = Number.NEGATIVE_INFINITY;
  const storeFailed = (error: unknown, policy: RateLimitPolicy) => {
    const now = Date.now();
    if (now - warnedAt < warnEveryMs) return;
    warnedAt = now;
    logger.warn({ err: error, policy: policy.name, store: store.kind }, 'rate-limit store unavailable');
  };

  /** Counts `keys` (each its own budget) against `policy`; the answer to send instead, if any. */
  const check = async (c: Context<AppEnv>, policy: RateLimitPolicy, keys: readonly string[], failure: 'open' | 'closed') => {
    if (keys.length === 0) return undefined;
    let states: RateLimitState[];
    try {
      states = keys.length === 1 ? [await store.consume(policy, keys[0] as string)] : await Promise.all(keys.map((key) => store.consume(policy, key)));
    } catch (error) {
      storeFailed(error, policy);
      if (failure === 'open') return undefined;
      const body = problem({
        status: 503,
        code: 'http/rate-limit-unavailable',
        detail: 'Requests to this operation are limited, and the limit cannot be checked right now.',
        instance: c.req.path,
        requestId: c.get('requestId'),
      });
      return problemResponse(c, body, { 'retry-after': String(storeDownRetryAfterS) });
    }
    // The tightest key speaks for the request: a refused one, else the one with the fewest points left.
    return answer(
      c,
      policy,
      states.reduce((a, b) => (a.allowed !== b.allowed ? (a.allowed ? b : a) : a.remaining <= b.remaining ? a : b)),
    );
  };

  /** The `RateLimit` headers for the state that binds, and the 429 to send instead when it refuses. */
  const answer = (c: Context<AppEnv>, policy: RateLimitPolicy, state: RateLimitState) => {
    const resetS = Math.max(1, Math.ceil(state.resetMs / 1000));
    rateLimitHeaders(c, policyItem(policy), `"${policy.name}";r=${Math.max(0, state.remaining)};t=${resetS}`);
    if (state.allowed) return undefined;
    const body = problem({
      status: 429,
      code: 'http/too-many-requests',
      detail: `More than ${policy.points} requests in ${policy.durationS} s (${policy.name}); try again in ${resetS} s.`,
      instance: c.req.path,
      requestId: c.get('requestId'),
      extensions: { policy: policy.name },
    });
    return problemResponse(c, body, { 'retry-after': String(resetS) });
  };

  const perModule = options.perModule ?? options.perClient;
  return (c) => {
    const address = clientAddress(c, options.trustedProxies);
    c.set('limitClient', (budget, kind = 'client') => {
      const policy = kind === 'module' ? perModule : options.perClient;
      const key = `${kind}:${budget}`;
      return store.consumeNow ? answer(c, policy, store.consumeNow(policy, key)) : check(c, policy, [key], 'open');
    });
    c.set('limitCredentials', (accounts) =>
      check(
        c,
        options.credentials,
        [...(address === undefined ? [] : [`ip:${address}`]), ...accounts.map((a) => `account:${a.slice(0, maxAccountLength)}`)],
        'closed',
      ),
    );
    if (address === undefined || options.exempt?.(c.req.path) || options.fromModule?.(c)) return undefined;
    // Counted in this process: answered at once, with no promise of its own on the way to the route.
    if (store.consumeNow) return answer(c, options.perIp, store.consumeNow(options.perIp, `ip:${address}`));
    return check(c, options.perIp, [`ip:${address}`], 'open');
  };
}

/** A response's own record of `RateLimit` items, kept on its header sink (one sink per response). */
const sinkRecord = Symbol('cleave.rate-limit-record');
type RecordingSink = EdgeHeaderSink & { [sinkRecord]?: Record<string, string> };
const policyItems = new WeakMap<RateLimitPolicy, string>();

/** The policy's `RateLimit-Policy` item, the same on every answer: made once. */
function policyItem(policy: RateLimitPolicy): string {
  let item = policyItems.get(policy);
  if (item === undefined) policyItems.set(policy, (item = `"${policy.name}";q=${policy.points};w=${policy.durationS}`));
  return item;
}

/**
 * Adds one policy's items to the `RateLimit-Policy` and `RateLimit` lists: through the server adapter's header sink
 * when it has one (one record per response, items joined, written with the head: no Web `Headers`), else on the
 * context.
 */
function rateLimitHeaders(c: Context<AppEnv>, policyItem: string, stateItem: string): void {
  const sink = (c.env as EdgeBindings | undefined)?.headerSink;
  if (!sink?.edgeHeaders) {
    c.header('ratelimit-policy', policyItem, { append: true });
    c.header('ratelimit', stateItem, { append: true });
    return;
  }
  const record = (sink as RecordingSink)[sinkRecord];
  if (record && sink.edgeHeaders.includes(record)) {
    record['ratelimit-policy'] = `${record['ratelimit-policy']}, ${policyItem}`;
    record.ratelimit = `${record.ratelimit}, ${stateItem}`;
    return;
  }
  const fresh = { 'ratelimit-policy': policyItem, ratelimit: stateItem };
  (sink as RecordingSink)[sinkRecord] = fresh;
  sink.edgeHeaders = [...sink.edgeHeaders, fresh];
}

/** A form field naming an account, counted only when the request also presents the account's secret. */
export interface CredentialAccount {
  /** The field naming the account: `username`, `client_id`. */
  field: string;
  /** The field with its secret: `password`, `client_secret`. */
  secret: string;
  /** The account may also come as the HTTP Basic user (RFC 6749 §2.3.1 clients): one budget either way. */
  basic?: boolean;
}

/**
 * Route middleware for an operation that checks a credential (`contractRoute({ credentials })`): counts the
 * request against the strict credential budget of its client IP and of each account it tries a secret for (an HTTP
 * Basic user, counted as the `basic` account; each of `accounts` whose secret field is in the form body), failing
 * closed. An account named
 * without a secret (a public client's `client_id`, shared by all its users) is no guess and is not counted. Runs
 * after the body reader, so the form it reads is the one the handler gets. Without the app's rate limiting (turned
 * off) it does nothing.
 */
export function credentialLimit(accounts: readonly CredentialAccount[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const limit = c.get('limitCredentials');
    if (!limit) return next();
    const tried = new Set<string>();
    const basic = basicUser(c.req.header('authorization'));
    if (basic) tried.add(`${accounts.find((a) => a.basic)?.field ?? 'basic'}:${basic}`);
    if (accounts.length > 0 && c.req.bodyCache.formData !== undefined) {
      const form = await c.req.formData();
      for (const { field, secret } of accounts) {
        const value = form.get(field);
        if (typeof value === 'string' && value !== '' && form.has(secret)) tried.add(`${field}:${value}`);
      }
    }
    const refused = await limit([...tried]);
    if (refused) return refused;
    return next();
  };
}

/** The user of an HTTP Basic `Authorization` (RFC 7617; OAuth clients form-encode it, RFC 6749 §2.3.1). */
function basicUser(authorization: string | undefined): string | undefined {
  // The same reading as authentication's (`basicCredentials`): a header it cannot read tries no account.
  const credentials = basicCredentials(authorization);
  if (credentials.kind !== 'basic' || credentials.user === '') return undefined;
  try {
    return decodeURIComponent(credentials.user.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}
