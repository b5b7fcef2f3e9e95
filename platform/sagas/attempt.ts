import { isDomainError } from '../http/index.ts';

export type Attempt = { ok: true; value: unknown } | { ok: false; error: unknown; timedOut: boolean; retryable: boolean };

// Answers that say the participant refused the request as it stands: sending it again cannot help.
const definitive = new Set(['invalid', 'not_found', 'conflict', 'forbidden', 'unauthorized']);

/** Whether a failed call may succeed when sent again with the same key (unknown errors may: a network, a crash). */
export function retryable(error: unknown): boolean {
  if (!isDomainError(error)) return true;
  // Another attempt with this key still holds it: its outcome is unknown, not refused.
  if (error.code === 'http/idempotency-key-in-use') return true;
  return !definitive.has(error.kind);
}

/**
 * Runs one attempt of a step's action with its own AbortSignal: aborted after `timeoutMs` (the attempt then counts as
 * failed with an unknown outcome) or when `outer` aborts (lease lost, host stopping).
 */
export async function attempt(run: (signal: AbortSignal) => Promise<unknown>, timeoutMs: number, outer: AbortSignal): Promise<Attempt> {
  const controller = new AbortController();
  // An outer abort ends the attempt at once, whether or not the step heeds its signal: its outcome is not recorded.
  let endAborted: (outcome: Attempt) => void = () => {};
  const aborted = new Promise<Attempt>((resolve) => (endAborted = resolve));
  const onAbort = () => {
    controller.abort(outer.reason);
    endAborted({ ok: false, error: outer.reason, timedOut: false, retryable: true });
  };
  if (outer.aborted) onAbort();
  else outer.addEventListener('abort', onAbort, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<Attempt>((resolve) => {
    timer = setTimeout(() => {
      const error = new Error(`timed out after ${timeoutMs} ms`);
      controller.abort(error);
      resolve({ ok: false, error, timedOut: true, retryable: true });
    }, timeoutMs);
  });
  const ran = Promise.resolve()
    .then(() => run(controller.signal))
    .then(
      (value): Attempt => ({ ok: true, value }),
      (error: unknown): Attempt => ({ ok: false, error, timedOut: false, retryable: retryable(error) }),
    );
  try {
    return await Promise.race([ran, timedOut, aborted]);
  } finally {
    clearTimeout(timer);
    outer.removeEventListener('abort', onAbort);
  }
}

/** How long the failure asks to wait before the next attempt (its `Retry-After`), in ms; undefined when it does not say. */
export function retryAfterOf(error: unknown): number | undefined {
  const seconds = isDomainError(error) ? error.retryAfterSeconds : undefined;
  return seconds === undefined || !Number.isFinite(seconds) || seconds < 0 ? undefined : seconds * 1000;
}

/**
 * Whether the participant refused only because an earlier attempt of this very action still holds its
 * `Idempotency-Key`: that attempt outlived its timeout and the participant works on, or its process died and the key
 * stays held until its lock runs out, which the `Retry-After` tells. Such a refusal does not count as an attempt: by
 * then the earlier attempt's answer is stored (and replayed) or the key can be taken over, so the wait is bounded.
 */
export function heldByEarlierAttempt(error: unknown): boolean {
  return isDomainError(error) && error.code === 'http/idempotency-key-in-use' && retryAfterOf(error) !== undefined;
}

/** Exponential backoff with a cap; a little jitter so replicas retrying together spread out. */
export function backoffMs(attempts: number, baseMs: number, maxMs: number): number {
  const plain = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(plain * (0.8 + Math.random() * 0.4));
}

export const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 2000);
