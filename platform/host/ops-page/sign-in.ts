import { randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Config } from '../../config/index.ts';
import type { ModuleAnswer, ModuleCall } from '../../contracts/http-send.ts';
import { operatorScope, problem, problemResponse, type App, type AppEnv } from '../../http/index.ts';
import type { Logger } from '../../observability/index.ts';
import type { TokenVerifier } from '../../security/index.ts';
import {
  codeChallenge,
  cookieNames,
  createSealer,
  randomToken,
  sameToken,
  sessionSecondsLeft,
  sessionTtlSeconds,
  signInTtlSeconds,
  type OpsSession,
  type SignInState,
} from './session.ts';

export interface OpsSignInOptions {
  config: Config;
  /** A call to the identity module wherever it runs, without credentials added. */
  send: (module: string, call: ModuleCall) => Promise<ModuleAnswer>;
  verifier: TokenVerifier | undefined;
  /** Whether the identity module runs in this process: the browser then signs in on this origin, by path. */
  identityLocal: boolean;
  log: Logger;
}

export interface OpsSignIn {
  /** `/ops/sign-in`, `/ops/callback`, `/ops/sign-out`. */
  mount(app: App): void;
  /** The signed-in session of a request, refreshed when its access token is about to expire; `undefined` when none. */
  session(c: Context<AppEnv>): Promise<OpsSession | undefined>;
  /**
   * For `authorize`: on the routes the page reads (`/ops/…`, `/registry`), the session cookie stands in for a bearer
   * token. A request that changes something must carry the session's CSRF token and come from this origin (403
   * otherwise). `undefined` when there is no session cookie (the request then needs a bearer token as usual).
   */
  sessionToken(c: Context<AppEnv>): Promise<string | Response | undefined>;
  /** The origin the page lives at: `PUBLIC_URL`, else this host's own address, else the request's. */
  origin(c: Context<AppEnv>): string;
}

interface Tokens {
  access_token: string;
  refresh_token?: string;
  expires_in: number;
}

const unsafe = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** An access token this close to its expiry is refreshed before it is used. */
const refreshMarginMs = 30_000;

/**
 * The operations page's sign-in (docs/operations/ops-page.md): the OAuth 2.0 authorization code flow with PKCE against the identity
 * module, its client `OPS_CLIENT_ID` (public: no secret; `cleave-web` in development). The tokens stay on the server
 * side of the browser: sealed into an HttpOnly, SameSite=Lax cookie that page scripts cannot read, refreshed with the
 * refresh token shortly before the access token expires. Only `operator` is asked for, so a stolen session reaches
 * nothing but the operator routes.
 */
export function opsSignIn(options: OpsSignInOptions): OpsSignIn {
  const { config, send, verifier, log } = options;
  const sealer = createSealer(config.ops.sessionKey ?? randomBytes(32));
  if (!config.ops.sessionKey && config.env === 'production') {
    log.warn('OPS_SESSION_KEY is not set: operations page sessions end when this process restarts and do not pass between replicas');
  }
  const ownOrigin = (() => {
    if (config.publicUrl) return new URL(config.publicUrl).origin;
    const { host, port } = config.server;
    if (port === 0 || host === '0.0.0.0' || host === '::') return undefined;
    return `${config.tls.server ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  })();
  const origin = (c: Context<AppEnv>) => ownOrigin ?? new URL(c.req.url).origin;
  // Development without PUBLIC_URL: `localhost` and `127.0.0.1` are one host to the user but two to cookies, so a
  // sign-in begun on the one must go on at the address the redirect URI names.
  const loopback = (hostname: string) => hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
  const otherLoopbackName = (c: Context<AppEnv>): boolean => {
    if (config.publicUrl || !ownOrigin) return false;
    const here = new URL(c.req.url);
    const own = new URL(ownOrigin);
    return here.origin !== own.origin && here.port === own.port && loopback(here.hostname) && loopback(own.hostname);
  };
  const secure = (c: Context<AppEnv>) => origin(c).startsWith('https:');
  const names = (c: Context<AppEnv>) => cookieNames(secure(c));
  const cookieOptions = (c: Context<AppEnv>, maxAge: number) => ({ path: '/', httpOnly: true, secure: secure(c), sameSite: 'Lax', maxAge }) as const;
  const redirectUri = (c: Context<AppEnv>) => `${origin(c)}/ops/callback`;

  const identityJson = async (call: ModuleCall): Promise<{ status: number; body: Record<string, unknown> }> => {
    const answer = await send('identity', call);
    const text = answer.body === null ? '{}' : new TextDecoder().decode(answer.body);
    try {
      return { status: answer.status, body: JSON.parse(text) as Record<string, unknown> };
    } catch {
      return { status: answer.status, body: { detail: text.slice(0, 200) } };
    }
  };
  const tokenRequest = (form: Record<string, string>) =>
    identityJson({
      method: 'POST',
      target: '/identity/v1/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ ...form, client_id: config.ops.clientId }).toString(),
    });

  // Read at every sign-in, not kept: a sign-in sent to an identity module that is away would end on the browser's
  // own error page; asked first, the host answers 503 saying so.
  const authorizeUrl = () =>
    identityJson({ method: 'GET', target: '/.well-known/oauth-authorization-server', headers: { accept: 'application/json' } }).then(({ status, body }) => {
      if (status !== 200 || typeof body.authorization_endpoint !== 'string') throw new Error(`identity metadata answered ${status}`);
      return body.authorization_endpoint;
    });

  /** A session from a token answer, after checking the access token carries the operator scope. */
  const sessionOf = async (tokens: Tokens, csrf: string, signedInAt: number): Promise<OpsSession | 'not-operator'> => {
    if (!verifier) throw new Error('This host reaches no identity module, so it cannot verify tokens.');
    const principal = await verifier.verify(tokens.access_token);
    if (!principal.scopes.has(operatorScope)) return 'not-operator';
    return {
      subject: principal.subject,
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token,
      accessExpiresAt: Date.now() + tokens.expires_in * 1000,
      csrf,
      signedInAt,
    };
  };

  // A refresh token is single use (using it twice revokes its family): requests that arrive together with the same
  // cookie share one refresh, and its outcome is kept a while for the stragglers.
  const refreshing = new Map<string, Promise<OpsSession | 'refused'>>();
  // Refresh tokens revoked at sign-out here: a refresh shared a moment ago must not hand out their session again.
  const signedOut = new Set<string>();
  // The next session, or `refused` (the identity module said no: the operator signs in again); rejects when the
  // identity module could not answer (unreachable, a 5xx), which the session outlives while its access token lasts.
  const refresh = (session: OpsSession): Promise<OpsSession | 'refused'> => {
    const token = session.refreshToken;
    if (!token) return Promise.resolve('refused');
    let pending = refreshing.get(token);
    if (!pending) {
      pending = tokenRequest({ grant_type: 'refresh_token', refresh_token: token }).then(async ({ status, body }) => {
        if (status >= 500) throw new Error(`the identity module answered ${status} ${String(body.code ?? '')}`.trim());
        if (status !== 200) {
          log.info({ status, code: body.code }, 'operations page: the session could not be refreshed; the operator signs in again');
          return 'refused' as const;
        }
        const next = await sessionOf(body as unknown as Tokens, session.csrf, session.signedInAt ?? Date.now());
        return next === 'not-operator' ? ('refused' as const) : next;
      });
      refreshing.set(token, pending);
      // A failure is kept a few seconds (the page's reads of one refresh share it), an outcome a minute.
      pending.then(
        () => setTimeout(() => refreshing.delete(token), 60_000).unref(),
        () => setTimeout(() => refreshing.delete(token), 5_000).unref(),
      );
    }
    return pending;
  };

  /** Clears the session cookie: the operator signs in again. */
  const endSession = (c: Context<AppEnv>): undefined => {
    deleteCookie(c, names(c).session, { path: '/', secure: secure(c) });
    return undefined;
  };

  const session = async (c: Context<AppEnv>): Promise<OpsSession | undefined> => {
    const value = getCookie(c, names(c).session);
    if (!value) return undefined;
    const current = await sealer.unseal<OpsSession>('ops-session', value);
    if (!current) return undefined;
    if (current.accessExpiresAt - refreshMarginMs > Date.now()) return current;
    // The session's time is up (the cookie outlives it by less than a second): the operator signs in again.
    if (current.signedInAt !== undefined && sessionSecondsLeft(current.signedInAt) === 0) return endSession(c);
    let refreshed: OpsSession | 'refused';
    try {
      refreshed = await refresh(current);
    } catch (error) {
      // The identity module is away: the session goes on with its access token until that expires (then the operator
      // signs in again, which says the identity module cannot be reached while it cannot).
      const alive = current.accessExpiresAt > Date.now();
      log.warn({ err: error, accessTokenLeftMs: Math.max(0, current.accessExpiresAt - Date.now()) }, 'operations page: refreshing a session failed');
      return alive ? current : endSession(c);
    }
    const next = refreshed === 'refused' || (refreshed.refreshToken !== undefined && signedOut.has(refreshed.refreshToken)) ? undefined : refreshed;
    if (!next) return endSession(c);
    // Sealed for what is left of the session, not 12 hours from now: refreshing never extends it.
    const left = sessionSecondsLeft(next.signedInAt ?? Date.now());
    if (left === 0) return endSession(c);
    setCookie(c, names(c).session, await sealer.seal('ops-session', next, left), cookieOptions(c, left));
    return next;
  };

  const refuse = (c: Context<AppEnv>, detail: string) =>
    problemResponse(c, problem({ status: 403, code: 'auth/csrf-refused', detail, instance: c.req.path, requestId: c.get('requestId') }));

  return {
    origin,
    session,
    async sessionToken(c) {
      const path = c.req.path;
      if (!path.startsWith('/ops/') && path !== '/registry') return undefined;
      if (getCookie(c, names(c).session) === undefined) return undefined;
      const current = await session(c);
      if (!current) return undefined;
      if (unsafe.has(c.req.method)) {
        // The page sends its CSRF token in a header (a form elsewhere cannot) and the browser says where it comes from.
        const from = c.req.header('origin');
        if (from !== undefined && from !== origin(c)) return refuse(c, `A request from ${from} may not act with this session.`);
        if (!sameToken(c.req.header('x-csrf-token'), current.csrf)) return refuse(c, 'The CSRF token is missing or wrong; reload the operations page.');
      }
      return current.accessToken;
    },
    mount(app) {
      app.get('/ops/sign-in', async (c) => {
        if (otherLoopbackName(c)) return c.redirect(`${origin(c)}/ops/sign-in`, 303);
        const signIn: SignInState = { state: randomToken(), verifier: randomToken() };
        let endpoint: string;
        try {
          endpoint = await authorizeUrl();
        } catch (error) {
          log.warn({ err: error }, 'operations page: the identity module could not be reached for sign-in');
          return problemResponse(
            c,
            problem({ status: 503, code: 'http/upstream-unavailable', detail: 'The identity module cannot be reached to sign in.', instance: c.req.path }),
          );
        }
        setCookie(c, names(c).signIn, await sealer.seal('ops-sign-in', signIn, signInTtlSeconds), cookieOptions(c, signInTtlSeconds));
        const url = new URL(endpoint);
        url.search = new URLSearchParams({
          response_type: 'code',
          client_id: config.ops.clientId,
          redirect_uri: redirectUri(c),
          scope: operatorScope,
          state: signIn.state,
          code_challenge: codeChallenge(signIn.verifier),
          code_challenge_method: 'S256',
        }).toString();
        c.header('cache-control', 'no-store');
        return c.redirect(options.identityLocal ? `${url.pathname}${url.search}` : url.toString(), 303);
      });

      app.get('/ops/callback', async (c) => {
        c.header('cache-control', 'no-store');
        const fail = (status: 400 | 403 | 502, detail: string) =>
          problemResponse(c, problem({ status, code: 'auth/sign-in-failed', detail, instance: c.req.path, requestId: c.get('requestId') }));
        const raw = getCookie(c, names(c).signIn);
        const pending = raw ? await sealer.unseal<SignInState>('ops-sign-in', raw) : undefined;
        deleteCookie(c, names(c).signIn, { path: '/', secure: secure(c) });
        const { code, state, error } = c.req.query();
        if (!pending || !sameToken(state, pending.state)) return fail(400, 'This sign-in was not started here, or took too long; start again at /ops.');
        if (error === 'invalid_scope') return fail(403, 'Your account does not hold the operator scope; the operations page is for operators.');
        if (error !== undefined || !code) return fail(403, `The identity module refused the sign-in: ${error ?? 'no code'}.`);
        const { status, body } = await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: redirectUri(c), code_verifier: pending.verifier });
        if (status !== 200) return fail(502, `The code could not be exchanged for tokens (${status} ${String(body.code ?? body.error ?? '')}).`);
        const next = await sessionOf(body as unknown as Tokens, randomToken(), Date.now());
        if (next === 'not-operator') return fail(403, 'Your account does not hold the operator scope; the operations page is for operators.');
        setCookie(c, names(c).session, await sealer.seal('ops-session', next, sessionTtlSeconds), cookieOptions(c, sessionTtlSeconds));
        return c.redirect('/ops', 303);
      });

      app.post('/ops/sign-out', async (c) => {
        const current = await session(c);
        if (current && !sameToken(c.req.header('x-csrf-token'), current.csrf)) return refuse(c, 'The CSRF token is missing or wrong.');
        deleteCookie(c, names(c).session, { path: '/', secure: secure(c) });
        if (current?.refreshToken) {
          const revoked = current.refreshToken;
          signedOut.add(revoked);
          setTimeout(() => signedOut.delete(revoked), 120_000).unref();
          await identityJson({
            method: 'POST',
            target: '/identity/v1/revoke',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ token: current.refreshToken, token_type_hint: 'refresh_token', client_id: config.ops.clientId }).toString(),
          }).catch((e: unknown) => log.warn({ err: e }, 'operations page: the refresh token could not be revoked at sign-out'));
        }
        return c.body(null, 204);
      });
    },
  };
}
