import { adminToken } from '../support/tokens.ts';

/**
 * The admin's access token for a chaos run, from the identity module in one process (the monolith). The schedule
 * kills that process too: a token request it cannot answer fails, and the next call asks again.
 */
export interface AdminAccess {
  /**
   * `Authorization` header value with a token holding every scope; asks identity again for up to `patienceMs` while
   * it cannot be reached (0: rejects on the first failure, for callers that retry on their own).
   */
  authorization(patienceMs?: number): Promise<string>;
  /** Forgets the token held (after a 401), so the next call fetches a new one. */
  renew(): void;
  /** Token requests so far: answered with a token, and failed (identity down, or killed while answering). */
  readonly requests: { issued: number; failed: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Tokens from the identity module at `identityUrl`. Its keys live in its PostgreSQL database, so a token it issued
 * stays valid across its restarts and verifies on every process that reaches it through `REMOTE_MODULES`.
 */
export function adminAccess(identityUrl: string): AdminAccess {
  // adminToken keeps one token per owner object; a new owner is a fresh start.
  let owner = {};
  const requests = { issued: 0, failed: 0 };
  const send = async (path: string, init: RequestInit) => {
    try {
      const response = await fetch(`${identityUrl}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
      requests[response.ok ? 'issued' : 'failed'] += 1;
      return response;
    } catch (error) {
      requests.failed += 1;
      throw error;
    }
  };
  return {
    requests,
    async authorization(patienceMs = 0) {
      const deadline = Date.now() + patienceMs;
      for (;;) {
        try {
          return `Bearer ${await adminToken(owner, send)}`;
        } catch (error) {
          if (Date.now() >= deadline) throw error;
          await sleep(500);
        }
      }
    },
    renew() {
      owner = {};
    },
  };
}
