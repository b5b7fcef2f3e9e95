import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { EncryptJWT, jwtDecrypt } from 'jose';

/** An operator signed in to the operations page: their tokens, sealed into an HttpOnly cookie. */
export interface OpsSession {
  /** The user's id (`sub`) and what the page shows of them. */
  subject: string;
  accessToken: string;
  refreshToken: string | undefined;
  /** When the access token expires, in ms since the epoch. */
  accessExpiresAt: number;
  /**
   * When the operator signed in, in ms since the epoch: a refresh keeps it, so the session ends `sessionTtlSeconds`
   * after it however often it is refreshed. Absent from cookies sealed before it existed (taken as the refresh time).
   */
  signedInAt?: number;
  /** The CSRF token the page sends back in `X-CSRF-Token` on every request that changes something. */
  csrf: string;
}

/** A sign-in under way: what the callback needs to finish it (RFC 6749 `state`, RFC 7636 `code_verifier`). */
export interface SignInState {
  state: string;
  verifier: string;
}

type Purpose = 'ops-session' | 'ops-sign-in';

/**
 * Seals cookie contents with AES-256-GCM (JWE `dir`): the browser holds them but can neither read nor alter them, and
 * any host with the same key opens them (replicas behind one address). The purpose is the JWE audience, so a sign-in
 * cookie never passes for a session.
 */
export interface Sealer {
  seal(purpose: Purpose, payload: object, ttlSeconds: number): Promise<string>;
  /** The payload, or `undefined` when the value is not one this key sealed for `purpose` or it has expired. */
  unseal<T>(purpose: Purpose, value: string): Promise<T | undefined>;
}

export function createSealer(key: Uint8Array): Sealer {
  if (key.byteLength !== 32) throw new Error('The session key must be 32 bytes.');
  return {
    seal: (purpose, payload, ttlSeconds) =>
      new EncryptJWT({ p: payload })
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
        .setAudience(purpose)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .encrypt(key),
    async unseal<T>(purpose: Purpose, value: string) {
      try {
        const { payload } = await jwtDecrypt(value, key, { audience: purpose, keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] });
        return payload.p as T;
      } catch {
        return undefined;
      }
    },
  };
}

/** A random token of 256 bits, base64url. */
export const randomToken = (): string => randomBytes(32).toString('base64url');

/** The S256 `code_challenge` of a PKCE verifier (RFC 7636 §4.2). */
export const codeChallenge = (verifier: string): string => createHash('sha256').update(verifier).digest('base64url');

/** Whether two tokens are equal, in time that does not depend on where they differ. */
export function sameToken(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Cookie names: on HTTPS the `__Host-` prefix (Secure, path `/`, no domain: the browser refuses it from anywhere
 * else); on plain HTTP (development) the same names without it, since browsers refuse `__Host-` there.
 */
export function cookieNames(secure: boolean): { session: string; signIn: string } {
  const prefix = secure ? '__Host-' : '';
  return { session: `${prefix}cleave-ops`, signIn: `${prefix}cleave-ops-sign-in` };
}

/**
 * The longest an operator stays signed in without signing in again, counted from the sign-in, whatever the refresh
 * token allows (an absolute timeout, OWASP session management).
 */
export const sessionTtlSeconds = 12 * 3600;

/** Seconds the session signed in at `signedInAt` has left (`sessionTtlSeconds` from it), 0 when it is over. */
export function sessionSecondsLeft(signedInAt: number, now = Date.now()): number {
  return Math.max(0, Math.floor((signedInAt + sessionTtlSeconds * 1000 - now) / 1000));
}
/** How long a sign-in may take between leaving for the identity module and coming back. */
export const signInTtlSeconds = 600;
