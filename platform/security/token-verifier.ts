import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import type { Principal } from './principal.ts';

export interface TokenVerifierOptions {
  issuer: string;
  audience: string;
  /**
   * The keys that may have signed: a loader of the identity module's key set (in this process, or fetched from its
   * host), or its JWKS URL.
   */
  keys: { local: () => Promise<JSONWebKeySet> } | { url: string };
  /** Seconds of clock skew allowed on `exp`, `nbf` and `iat` (RFC 8725 §3.10: small). */
  clockToleranceS?: number;
  /**
   * The longest an access token may live, `iat` to `exp` (default 1 h, the most ACCESS_TOKEN_TTL allows). A token
   * claiming more, or issued in the future, is refused: only a leaked key or a confused signer makes one.
   */
  maxLifetimeS?: number;
  /** Tokens longer than this are refused before any parsing (default 8 KiB). */
  maxBytes?: number;
  /** Verified tokens kept, by their text, until they expire (default 10 000). */
  cacheSize?: number;
  /** How long a remote key set is reused, and the least time between refetches on an unknown `kid`. */
  jwksCacheMs?: number;
  jwksCooldownMs?: number;
}

/** A token refused: no detail about why leaves the process beyond the RFC 6750 error code. */
export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
}

export interface TokenVerifier {
  /** The principal an access token stands for; rejects with {@link InvalidTokenError}. */
  verify(token: string): Promise<Principal>;
  /** The principal of a token that verified before and has not expired, without waiting; else `undefined`. */
  cached?(token: string): Principal | undefined;
}

/** RFC 8725 §3.1: one algorithm, the one Cleave signs with; never `none`, never an HMAC keyed with a public key. */
export const acceptedAlgorithms = ['ES256'] as const;
const keyHeaders = ['jku', 'x5u', 'x5c', 'jwk'];

/**
 * Verifies access tokens per RFC 8725 and RFC 9068: size limit before parsing, JWS only with ES256, a key from the
 * configured key set only (headers that point at keys are refused outright), issuer, audience, `typ: at+jwt`, expiry
 * with a small tolerance and a bounded lifetime, required claims. A token that verified is cached until it expires, so
 * the hot path is a map lookup. A remote key set is refetched on an unknown `kid`, at most once per cool-down.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const maxBytes = options.maxBytes ?? 8192;
  const maxLifetimeS = options.maxLifetimeS ?? 3600;
  const toleranceS = options.clockToleranceS ?? 30;
  const cacheSize = options.cacheSize ?? 10_000;
  const cache = new Map<string, Principal>();
  const keySet =
    'url' in options.keys
      ? createRemoteJWKSet(new URL(options.keys.url), { cacheMaxAge: options.jwksCacheMs ?? 600_000, cooldownDuration: options.jwksCooldownMs ?? 30_000 })
      : loadedKeySet(options.keys.local, options.jwksCacheMs ?? 60_000, options.jwksCooldownMs ?? 1000);

  async function verifyUncached(token: string): Promise<Principal> {
    if (token.length > maxBytes) throw new InvalidTokenError('The token is too long.');
    // Compact JWS has three parts; five would be a JWE, which is not an access token here.
    if (token.split('.').length !== 3) throw new InvalidTokenError('The token is not a signed JWT.');
    let header: Record<string, unknown>;
    try {
      header = decodeProtectedHeader(token) as Record<string, unknown>;
    } catch {
      throw new InvalidTokenError('The token header cannot be read.');
    }
    if (keyHeaders.some((h) => h in header)) throw new InvalidTokenError('The token names its own key; keys come from the key set only.');
    if (typeof header.kid !== 'string' || header.kid.length === 0 || header.kid.length > 128) throw new InvalidTokenError('The token names no usable key id.');
    try {
      const { payload } = await jwtVerify(token, keySet, {
        algorithms: [...acceptedAlgorithms],
        issuer: options.issuer,
        audience: options.audience,
        typ: 'at+jwt',
        clockTolerance: toleranceS,
        requiredClaims: ['iss', 'aud', 'sub', 'exp', 'iat', 'jti', 'client_id'],
        // Also refuses an `iat` in the future (beyond the tolerance).
        maxTokenAge: maxLifetimeS,
      });
      // JSON's 1e400 parses to Infinity, a number to jose that never expires (and would stay in the cache for good).
      const { exp = Number.NaN, iat = Number.NaN } = payload;
      if (!Number.isFinite(exp) || exp - iat > maxLifetimeS + toleranceS)
        throw new InvalidTokenError('The token claims to live longer than an access token may.');
      return principalOf(payload);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw error;
      if (error instanceof errors.JOSEError) throw new InvalidTokenError(`The token is not valid (${error.code}).`);
      throw error;
    }
  }

  const cached = (token: string): Principal | undefined => {
    const principal = cache.get(token);
    if (principal && (principal.expiresAt ?? 0) > Date.now() / 1000) return principal;
    if (principal) cache.delete(token);
    return undefined;
  };

  return {
    cached,
    async verify(token) {
      const known = cached(token);
      if (known) return known;
      const principal = await verifyUncached(token);
      if (cache.size >= cacheSize) cache.delete(cache.keys().next().value as string);
      cache.set(token, principal);
      return principal;
    },
  };
}

/**
 * A key set from `load`, reused for `maxAgeMs` and re-read early when a token names a key it does not hold yet (a
 * rotation), at most once per `cooldownMs`, so tokens with made-up key ids cannot make every request reload it.
 * Concurrent reloads share one.
 */
function loadedKeySet(load: () => Promise<JSONWebKeySet>, maxAgeMs: number, cooldownMs: number) {
  let current: { set: ReturnType<typeof createLocalJWKSet>; kids: Set<string>; at: number } | undefined;
  let loading: Promise<NonNullable<typeof current>> | undefined;
  const refresh = () =>
    (loading ??= load()
      .then((jwks) => (current = { set: createLocalJWKSet(jwks), kids: new Set(jwks.keys.map((k) => k.kid ?? '')), at: Date.now() }))
      .finally(() => (loading = undefined)));
  return async (header: { kid?: string }, token: Parameters<ReturnType<typeof createLocalJWKSet>>[1]) => {
    const now = Date.now();
    let keys = current && now - current.at < maxAgeMs ? current : await refresh();
    if (header.kid && !keys.kids.has(header.kid) && now - keys.at >= cooldownMs) keys = await refresh();
    return keys.set(header, token);
  };
}

function principalOf(payload: JWTPayload): Principal {
  const claims = payload as JWTPayload & { scope?: unknown; client_id?: unknown; act?: { sub?: unknown }; cleave_kind?: unknown };
  if (typeof claims.client_id !== 'string' || typeof claims.sub !== 'string') throw new InvalidTokenError('The token lacks a client or subject.');
  const scopes = new Set(typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : []);
  const kind = claims.cleave_kind === 'module' ? 'module' : claims.cleave_kind === 'client' ? 'client' : 'user';
  const principal: Principal = { kind, subject: claims.sub, clientId: claims.client_id, scopes, ...(claims.exp ? { expiresAt: claims.exp } : {}) };
  if (kind === 'module') principal.module = claims.sub.replace(/^module:/, '');
  return principal;
}
