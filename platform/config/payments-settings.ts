import type { z } from 'zod';
import type { ConfigProblem } from './load-config.ts';
import type { environmentSchema } from './schema.ts';
import { whenValid } from './partial-environment.ts';

/**
 * The payment provider payments talks to. Only the simulator exists so far: it behaves like an external idempotent
 * API with latency and faults at the rates given (each from 0 to 1, checked per call for a key it has not answered
 * yet). See docs/modules/payments.md.
 */
export interface PaymentsConfig {
  provider: {
    kind: 'simulator';
    /** Mean latency of a provider call (each is uniformly 0 to twice this). */
    latencyMs: number;
    /** Share of authorizations declined. */
    declineRate: number;
    /** Share of calls answered with a server error; nothing is recorded at the provider. */
    errorRate: number;
    /** Share of calls that hang past payments' deadline; nothing is recorded at the provider. */
    timeoutRate: number;
    /** Share of calls recorded at the provider whose reply never arrives: payments sees a timeout. */
    lostReplyRate: number;
    /** Payments' own deadline for one provider call. */
    timeoutMs: number;
    /** Seed of the simulator's random faults (a reproducible run); `undefined`: Math.random. */
    seed: number | undefined;
  };
}

type Environment = z.output<typeof environmentSchema>;

/** Reads the payments settings; `problems` collects combinations that cannot work. */
export function paymentsSettings(e: Environment, problems: ConfigProblem[]): PaymentsConfig {
  // Each check runs when the settings it reads are valid (partial-environment.ts).
  whenValid(() => {
    const rates = e.PAYMENTS_PROVIDER_ERROR_RATE + e.PAYMENTS_PROVIDER_TIMEOUT_RATE + e.PAYMENTS_PROVIDER_LOST_REPLY_RATE;
    if (rates > 1) {
      problems.push({
        variable: 'PAYMENTS_PROVIDER_ERROR_RATE',
        message: `with PAYMENTS_PROVIDER_TIMEOUT_RATE and PAYMENTS_PROVIDER_LOST_REPLY_RATE must add up to at most 1 (they are shares of the same calls), not ${rates}`,
      });
    }
  });
  whenValid(() => {
    if (e.PAYMENTS_PROVIDER_LATENCY_MS * 2 >= e.PAYMENTS_PROVIDER_TIMEOUT_MS) {
      problems.push({
        variable: 'PAYMENTS_PROVIDER_LATENCY_MS',
        message: 'must be less than half of PAYMENTS_PROVIDER_TIMEOUT_MS, or healthy calls would time out',
      });
    }
  });
  return {
    provider: {
      kind: 'simulator',
      latencyMs: e.PAYMENTS_PROVIDER_LATENCY_MS,
      declineRate: e.PAYMENTS_PROVIDER_DECLINE_RATE,
      errorRate: e.PAYMENTS_PROVIDER_ERROR_RATE,
      timeoutRate: e.PAYMENTS_PROVIDER_TIMEOUT_RATE,
      lostReplyRate: e.PAYMENTS_PROVIDER_LOST_REPLY_RATE,
      timeoutMs: e.PAYMENTS_PROVIDER_TIMEOUT_MS,
      seed: e.PAYMENTS_PROVIDER_SEED,
    },
  };
}
