/**
 * @module platform/resilience
 * Policies for calls to things that may fail or be slow: bulkhead, circuit breaker, retries with backoff, and the
 * `Retry-After` reading they honour. Not a transport: callers bring the call and say which failures are transient.
 */
export { createCallPolicy, isPolicyRejection, PolicyRejectedError } from './call-policy.ts';
export type { AttemptFailure, BreakerState, CallPolicy, CallPolicyOptions, CallPolicyStats, RejectionReason } from './call-policy.ts';
export { retryAfterMs } from './retry-after.ts';
export { Semaphore } from './semaphore.ts';
