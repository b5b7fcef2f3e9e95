import type { Context, MiddlewareHandler } from 'hono';
import { currentContext } from '../observability/index.ts';
import { InvalidTokenError } from '../security/token-verifier.ts';
import type { TokenVerifier } from '../security/token-verifier.ts';
import type { Principal } from '../security/principal.ts';
import { accessNeeds, allows, type Access } from './access.ts';
import type { AppEnv } from './app-env.ts';
import { guardMiddleware, type EdgeGuard } from './edge.ts';
import { problem, problemResponse } from './problem.ts';
import { routeAccess } from './route-marks.ts';

/** The header a module calling another process passes the end user's access token in, beside its own token. */
export const onBehalfOfHeader = 'cleave-on-behalf-of';

// RFC 6750 §2.1: the scheme is case-insensitive; the token is a b64token.
const bearerPattern = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

export interface AuthorizeOptions {
  /** Verifies access tokens; `undefined` when this host reaches no identity module (every protected route then 401s). */
  verifier: TokenVerifier | undefined;
  /** Told of every 401 and 403 this answers (the audit trail's denials); must not wait or throw. */
  onRefused?: (refusal: Refusal) => void;
  /**
   * A request without an `Authorization` header may carry a session instead (the operations page's cookie): its
   * access token, a refusal to answer with, or `undefined` when it has none.
   */
  sessionToken?: (c: Context<AppEnv>) => Promise<string | Response | undefined>;
}

/** A request refused for want of credentials (401) or of rights (403). */
export interface Refusal {
  status: 401 | 403;
  code: string;
  method: string;
  path: string;
  /** The verified caller, for a 403. */
  principal?: Principal | undefined;
  requestId?: string | undefined;
  correlationId?: string | undefined;
}

/**
 * The bearer token of an `Authorization` header, `undefined` when there is none, `false` when it is not a bearer token.
 * The last header's answer is kept: a client sends the same token on request after request until it expires; matching the pattern over a JWT and hashing the new string it gives for the
 * verifier's cache cost ~1.5 µs each time, comparing with the last header (one of the same text) a fraction of that.
 */
export function bearerToken(authorization: string | undefined): string | undefined | false {
  if (authorization === undefined) return undefined;
  if (authorization !== lastAuthorization) {
    lastToken = bearerPattern.exec(authorization)?.[1] ?? false;
    lastAuthorization = authorization;
  }
  return lastToken;
}

let lastAuthorization: string | undefined;
let lastToken: string | false = false;

/**
 * `bearerToken` of the request's `Authorization` header, read from the request once: a second reader gets the kept
 * answer instead of another header lookup (which scans the ~500-character value for forbidden characters again).
 */
export function requestBearer(c: Context<AppEnv>): string | undefined | false {
  const kept = c.get('bearer');
  if (kept !== undefined) return kept;
  const token = bearerToken(c.req.header('authorization'));
  if (token !== undefined) c.set('bearer', token);
  return token;
}

/**
 * Enforces the access each contract route declares (docs/architecture.md, "Security model"), before idempotency, validation and the handler:
 * public routes pass untouched; others need a valid bearer access token (401 otherwise, RFC 6750 `WWW-Authenticate`)
 * whose principal the access admits (403 otherwise). A module's token may carry the end user it calls for in
 * `Cleave-On-Behalf-Of`, verified the same way. The principal is put in the request's execution context, where
 * handlers read it (`principalOf`) and module clients pick it up to pass on; the caller there is the authenticated
 * module or client, never a header a client sent.
 */
export function authorize(options: AuthorizeOptions): MiddlewareHandler<AppEnv> {
  return guardMiddleware(authorizeGuard(options));
}

/** `authorize` as a guard of the app's edge (see `EdgeGuard`): public routes pass without a promise. */
export function authorizeGuard(options: AuthorizeOptions): EdgeGuard {
  const { verifier, onRefused, sessionToken } = options;
  const refuse = (c: Context<AppEnv>, status: 401 | 403, code: string, detail: string, challenge: string, principal?: Principal): Response => {
    onRefused?.({
      status,
      code,
      method: c.req.method,
      path: c.req.path,
      principal,
      requestId: c.get('requestId'),
      correlationId: currentContext()?.correlationId,
    });
    c.header('www-authenticate', `Bearer ${challenge}`);
    return problemResponse(c, problem({ status, code, detail, instance: c.req.path, requestId: c.get('requestId') }));
  };
  return (c) => {
    const access = routeAccess(c);
    if (access === undefined || access === 'public') return undefined;
    // The common case decided without a promise: a bearer token verified before (cached), nobody on whose behalf.
    const token = requestBearer(c);
    const known = token && c.req.header(onBehalfOfHeader) === undefined ? verifier?.cached?.(token) : undefined;
    if (known) return admit(c, access, known, known.kind === 'module' ? undefined : token || undefined);
    return authenticate(c, access);
  };

  async function authenticate(c: Context<AppEnv>, access: Exclude<Access, 'public'>): Promise<Response | undefined> {
    const authorization = c.req.header('authorization');
    let token = bearerToken(authorization);
    if (authorization === undefined && sessionToken) {
      const fromSession = await sessionToken(c);
      if (fromSession instanceof Response) {
        onRefused?.({
          status: 403,
          code: 'auth/csrf-refused',
          method: c.req.method,
          path: c.req.path,
          requestId: c.get('requestId'),
          correlationId: currentContext()?.correlationId,
        });
        return fromSession;
      }
      // What a session reads (dead letters with their payloads, audit entries) is kept by no cache, the browser's
      // included: a bearer token's answers are never stored by shared caches (RFC 9111 §3.5), a cookie's may be.
      if (fromSession !== undefined) c.header('cache-control', 'no-store');
      token = fromSession;
    }
    if (token === undefined || token === false) {
      const detail =
        token === false
          ? /^Bearer\s*$/i.test(authorization ?? '')
            ? 'The bearer token is empty (Authorization: Bearer <token>).'
            : /^Bearer\s/i.test(authorization ?? '')
              ? 'The bearer token is malformed: one token of letters, digits and - . _ ~ + / (then = padding) after "Bearer ".'
              : 'This operation needs a bearer access token (Authorization: Bearer <token>); other schemes are not accepted.'
          : c.req.query('access_token') !== undefined
            ? 'Access tokens are not accepted in the query string; send Authorization: Bearer <token>.'
            : 'This operation needs an access token (Authorization: Bearer <token>).';
      return refuse(c, 401, 'auth/unauthenticated', detail, 'realm="cleave"');
    }
    if (!verifier) return refuse(c, 401, 'auth/invalid-token', 'This host reaches no identity module, so it cannot verify tokens.', invalid);
    let principal: Principal;
    let userToken: string | undefined = token;
    try {
      principal = await verifier.verify(token);
      const onBehalfOf = c.req.header(onBehalfOfHeader);
      if (principal.kind === 'module' && onBehalfOf !== undefined) {
        principal = { ...principal, onBehalfOf: await verifier.verify(onBehalfOf) };
        userToken = onBehalfOf;
      } else if (principal.kind === 'module') userToken = undefined;
    } catch (error) {
      if (!(error instanceof InvalidTokenError)) {
        c.get('logger').warn({ err: error, requestId: c.get('requestId') }, 'access token could not be verified: the signing keys are out of reach');
        c.header('retry-after', '5');
        return problemResponse(
          c,
          problem({
            status: 503,
            code: 'http/upstream-unavailable',
            detail: 'The keys that verify access tokens cannot be read right now.',
            instance: c.req.path,
            requestId: c.get('requestId'),
          }),
        );
      }
      return refuse(c, 401, 'auth/invalid-token', 'The access token is not valid.', invalid);
    }
    return admit(c, access, principal, userToken);
  }

  /** A verified principal: refused (403) unless the access admits it, then counted against its client's budget. */
  function admit(
    c: Context<AppEnv>,
    access: Exclude<Access, 'public'>,
    principal: Principal,
    userToken: string | undefined,
  ): Response | undefined | Promise<Response | undefined> {
    if (!allows(access, principal)) {
      const scopes = access.scopes ?? [];
      return refuse(
        c,
        403,
        'auth/insufficient-scope',
        `This operation needs ${accessNeeds(access)}.`,
        `realm="cleave", error="insufficient_scope"${scopes.length > 0 ? `, scope="${scopes.join(' ')}"` : ''}`,
        principal,
      );
    }
    const limited = c.get('limitClient')?.(clientBudget(principal), principal.kind === 'module' ? 'module' : 'client');
    if (limited instanceof Promise) return limited.then((refused) => refused ?? enter(c, principal, userToken));
    return limited ?? enter(c, principal, userToken);
  }
}

/**
 * Whose budget a request spends: a user's own, within the client it signed in through (the users of a public web
 * client do not share one budget, which a busy shop would spend in seconds); a machine client's or a module's, its
 * own, across all its tokens (a module's against the per-module policy).
 */
export function clientBudget(principal: Principal): string {
  return principal.kind === 'user' ? `${principal.clientId}:user:${principal.subject}` : principal.clientId;
}

/** The request goes on as `principal`: on the context for handlers, in the execution context for what they call. */
function enter(c: Context<AppEnv>, principal: Principal, userToken: string | undefined): undefined {
  c.set('principal', principal);
  const context = currentContext();
  if (context) {
    context.principal = principal;
    context.caller = principal.module ?? principal.clientId;
    if (userToken !== undefined) context.userToken = userToken;
  }
  return undefined;
}

const invalid = 'realm="cleave", error="invalid_token"';

/** The authenticated caller of the operation being served (HTTP or direct in-process), if it is not public. */
export function principalOf(): Principal | undefined {
  return currentContext()?.principal;
}

/**
 * Whether a request comes from a module, as far as can be told before authentication: its bearer token was verified
 * before as a module's (the verifier's cache; a module reuses its token until it nearly expires). A token seen for
 * the first time answers no, so it is counted like any other until verified once.
 */
export function moduleCaller(verifier: TokenVerifier | undefined): (c: Context<AppEnv>) => boolean {
  const cached = verifier?.cached;
  if (!cached) return () => false;
  return (c) => {
    const token = requestBearer(c);
    return typeof token === 'string' && cached(token)?.kind === 'module';
  };
}
