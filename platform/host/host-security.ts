import type { JSONWebKeySet } from 'jose';
import { variablePrefix, type Config } from '../config/index.ts';
import type { HealthCheck } from './define-module.ts';
import type { ModuleAnswer, ModuleCall } from '../contracts/http-send.ts';
import { CleaveError } from '../http/index.ts';
import { currentContext, type Logger } from '../observability/index.ts';
import { retryAfterMs } from '../resilience/index.ts';
import { onBehalfOfHeader } from '../http/authorize.ts';
import { createCallerHandles, createTokenVerifier, moduleClientId, moduleClientSecret, type CallerHandles, type TokenVerifier } from '../security/index.ts';

/** What a host needs for zero trust: token verification, in-process caller handles, credentials for remote calls. */
export interface HostSecurity {
  /** Verifies access tokens against the identity module's keys; `undefined` when no identity module is reachable. */
  verifier: TokenVerifier | undefined;
  handles: CallerHandles;
  /**
   * A call leaving the process with the calling module's token (client credentials, cached until shortly before it
   * expires) and the end user's token beside it; the user's alone when the module has none; unchanged otherwise.
   * Throws a retryable `unavailable` error (503, `Retry-After`) when the module should have a token and identity
   * cannot give one now.
   */
  withCredentials(call: ModuleCall): Promise<ModuleCall>;
  /**
   * `host credentials` on `/health/ready`, for a host whose modules take their tokens from identity in another process:
   * whether each of `modules` holds one (a wrong `<MODULE>_CLIENT_SECRET` otherwise shows only when a call fails).
   * Not critical: the host's own routes still serve. Undefined when no module of it needs a token from elsewhere.
   */
  credentialsCheck(modules: readonly string[]): HealthCheck | undefined;
}

export interface HostSecurityOptions {
  config: Config;
  /** Where the identity module runs: in this process, in another (reached through `send`), or nowhere known. */
  identity: 'local' | 'remote' | undefined;
  /** Sends a call to a module wherever it runs, without adding credentials. */
  send: (module: string, call: ModuleCall) => Promise<ModuleAnswer>;
  log: Logger;
}

const identityModule = 'identity';
/** How long after a failed token request without `Retry-After` the next may be made. */
const tokenRetryMs = 1_000;
/** The longest a `Retry-After` from identity keeps a module's calls refused. */
const maxTokenRetryMs = 30_000;

export function createHostSecurity(options: HostSecurityOptions): HostSecurity {
  const { config, send, log } = options;
  const handles = createCallerHandles();
  const fetchJson = async (call: ModuleCall): Promise<Record<string, unknown>> => {
    const answer = await send(identityModule, call);
    const text = answer.body === null ? '' : new TextDecoder().decode(answer.body);
    if (answer.status !== 200) throw new Error(`identity answered ${call.method} ${call.target} with ${answer.status}: ${text.slice(0, 200)}`);
    return JSON.parse(text) as Record<string, unknown>;
  };
  const get = (target: string) => fetchJson({ method: 'GET', target, headers: { accept: 'application/json' } });
  const keys = { local: async () => (await get('/.well-known/jwks.json')) as unknown as JSONWebKeySet };
  const audience = config.identity.audience;

  let verifier: TokenVerifier | undefined;
  if (options.identity === 'local') {
    verifier = createTokenVerifier({ issuer: config.identity.issuer, audience, keys, jwksCooldownMs: 1000 });
  } else if (options.identity === 'remote') {
    // The issuer is the identity host's, read from its metadata document (RFC 8414) the first time a token comes.
    let made: Promise<TokenVerifier> | undefined;
    // Once made, its cache answers tokens verified before at once (the edge's fast path, the per-IP exemption of modules).
    let ready: TokenVerifier | undefined;
    const make = () =>
      (made ??= get('/.well-known/oauth-authorization-server').then(
        (metadata) => (ready = createTokenVerifier({ issuer: String(metadata.issuer), audience, keys, jwksCooldownMs: 5000 })),
        (error: unknown) => {
          made = undefined;
          throw error;
        },
      ));
    verifier = { verify: async (token) => (await make()).verify(token), cached: (token) => ready?.cached?.(token) };
  }

  const { moduleClientKey: key, moduleClientSecrets } = config.identity;
  // A module's own secret when configured; derived from the shared key otherwise (the identity host, development).
  const secretOf = (module: string) => moduleClientSecrets[module] ?? (key ? moduleClientSecret(key, module) : undefined);
  const tokens = new Map<string, Promise<{ token: string; until: number }>>();
  // After a failed token request, when the next may be made: calls before then fail at once, so a struggling or
  // rate-limited identity module is not asked again by every call (its `Retry-After`, else `tokenRetryMs`).
  const failedUntil = new Map<string, { until: number; reason: string }>();
  const unavailable = (module: string, reason: string, untilMs: number, cause?: unknown) =>
    new CleaveError('unavailable', 'http/upstream-unavailable', `No access token for module ${module}: ${reason}. The call was not sent.`, {
      details: { module: identityModule, caller: module },
      cause,
      retryAfterSeconds: Math.max(1, Math.ceil((untilMs - Date.now()) / 1000)),
    });
  const requestToken = async (module: string, secret: string) => {
    const answer = await send(identityModule, {
      method: 'POST',
      target: '/identity/v1/token',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${btoa(`${encodeURIComponent(moduleClientId(module))}:${encodeURIComponent(secret)}`)}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
    });
    const text = answer.body === null ? '' : new TextDecoder().decode(answer.body);
    if (answer.status !== 200) {
      const wait = retryAfterMs(answer.headers['retry-after']);
      throw Object.assign(new Error(`identity answered the token request with ${answer.status}: ${text.slice(0, 200)}`), { retryAfterMs: wait });
    }
    const body = JSON.parse(text) as Record<string, unknown>;
    // Renewed at 80% of its life, so a token never expires on its way to the provider.
    return { token: String(body.access_token), until: Date.now() + Math.max(1, Number(body.expires_in) * 800) };
  };
  /**
   * The calling module's token: cached, one request at a time per module. Without one the call is not sent: it would
   * only be refused (401) by a provider that needs the caller's identity, which its caller would take for a final
   * answer; a retryable 503 with `Retry-After` lets it (a saga step, a client) try again once identity answers.
   */
  const moduleToken = async (module: string): Promise<string | undefined> => {
    const secret = secretOf(module);
    if (secret === undefined || options.identity === undefined) return undefined;
    const cached = tokens.get(module);
    if (cached) {
      const held = await cached.catch(() => undefined);
      if (held && held.until > Date.now()) return held.token;
      if (tokens.get(module) === cached) tokens.delete(module);
    }
    let pending = tokens.get(module);
    if (!pending) {
      const failed = failedUntil.get(module);
      if (failed && failed.until > Date.now()) throw unavailable(module, failed.reason, failed.until);
      pending = requestToken(module, secret);
      tokens.set(module, pending);
    }
    try {
      return (await pending).token;
    } catch (error) {
      if (tokens.get(module) === pending) {
        tokens.delete(module);
        const wait = (error as { retryAfterMs?: number }).retryAfterMs;
        const reason = error instanceof Error ? error.message : String(error);
        failedUntil.set(module, { until: Date.now() + Math.min(maxTokenRetryMs, wait ?? tokenRetryMs), reason });
        log.warn({ err: error, module, retryInMs: wait ?? tokenRetryMs }, 'no module token: calls of this module are refused until identity answers');
      }
      const failed = failedUntil.get(module);
      throw unavailable(module, failed?.reason ?? String(error), failed?.until ?? Date.now() + tokenRetryMs, error);
    }
  };

  return {
    verifier,
    handles,
    async withCredentials(call) {
      const caller = call.headers['x-cleave-caller'];
      const own = caller === undefined ? undefined : await moduleToken(caller);
      const userToken = currentContext()?.userToken;
      if (own === undefined && userToken === undefined) return call;
      const headers = { ...call.headers };
      if (own !== undefined) {
        headers.authorization = `Bearer ${own}`;
        if (userToken !== undefined) headers[onBehalfOfHeader] = userToken;
      } else if (userToken !== undefined) headers.authorization = `Bearer ${userToken}`;
      return { ...call, headers };
    },
    credentialsCheck(modules) {
      const needing = options.identity === 'remote' ? modules.filter((m) => secretOf(m) !== undefined) : [];
      if (needing.length === 0) return undefined;
      return {
        name: 'credentials',
        critical: false,
        async check() {
          const failed = (
            await Promise.all(
              needing.map((m) =>
                moduleToken(m).then(
                  () => [],
                  () => [`${m} (${failedUntil.get(m)?.reason ?? 'no answer'}; check ${variablePrefix(m)}_CLIENT_SECRET)`],
                ),
              ),
            )
          ).flat();
          if (failed.length > 0) throw new Error(`no access token from identity for ${failed.join(', ')}: their calls to other modules are refused`);
          return `${needing.join(', ')} ${needing.length === 1 ? 'holds an access token' : 'hold access tokens'}`;
        },
      };
    },
  };
}
