/** Payments' domain errors: plain data with a stable code and a kind; no HTTP here. */
type Kind = 'not_found' | 'conflict' | 'unavailable';

abstract class PaymentsError extends Error {
  abstract readonly kind: Kind;
  abstract readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(message: string, details: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.details = details;
  }
}

export class IntentNotFound extends PaymentsError {
  readonly kind = 'not_found';
  readonly code = 'payments/intent-not-found';
  constructor(intentId: string) {
    super(`Payment intent ${intentId} does not exist.`, { intentId });
  }
}

export class IntentConflict extends PaymentsError {
  readonly kind = 'conflict';
  readonly code = 'payments/intent-conflict';
  constructor(intentId: string) {
    super(`Payment intent ${intentId} already exists with another amount, currency, reference or customer.`, { intentId });
  }
}

export class CardDeclined extends PaymentsError {
  readonly kind = 'conflict';
  readonly code = 'payments/card-declined';
  constructor(intentId: string, reason: string) {
    super(`The provider declined payment intent ${intentId}: ${reason}.`, { intentId, reason });
  }
}

export class IntentVoided extends PaymentsError {
  readonly kind = 'conflict';
  readonly code = 'payments/intent-voided';
  constructor(intentId: string) {
    super(`Payment intent ${intentId} was voided; it cannot be authorized.`, { intentId });
  }
}

export class IntentNotCapturable extends PaymentsError {
  readonly kind = 'conflict';
  readonly code = 'payments/intent-not-capturable';
  constructor(intentId: string, status: string) {
    super(`Payment intent ${intentId} is ${status}; only an authorized intent can be captured.`, { intentId, intentStatus: status });
  }
}

export class IntentNotVoidable extends PaymentsError {
  readonly kind = 'conflict';
  readonly code = 'payments/intent-not-voidable';
  constructor(intentId: string, status: string) {
    super(`Payment intent ${intentId} is ${status}; a captured payment is refunded, not voided.`, { intentId, intentStatus: status });
  }
}

export class IntentNotRefundable extends PaymentsError {
  readonly kind = 'conflict';
  readonly code = 'payments/intent-not-refundable';
  constructor(intentId: string, status: string) {
    super(`Payment intent ${intentId} is ${status}; only a captured payment can be refunded.`, { intentId, intentStatus: status });
  }
}

export class RefundExceedsCapture extends PaymentsError {
  readonly kind = 'conflict';
  readonly code = 'payments/refund-exceeds-capture';
  constructor(intentId: string, requested: number, refundable: number) {
    super(
      refundable === 0
        ? `Payment intent ${intentId} is refunded in full: nothing is left to refund.`
        : `Only ${refundable} of payment intent ${intentId} can still be refunded; ${requested} requested.`,
      { intentId, requested, refundable },
    );
  }
}

export class RefundKeyReused extends PaymentsError {
  readonly kind = 'conflict';
  readonly code = 'payments/refund-key-reused';
  constructor(intentId: string, requested: number, refunded: number) {
    super(`The Idempotency-Key was used to refund ${refunded} of payment intent ${intentId}, not ${requested}; send a new key for another refund.`, {
      intentId,
      requested,
      refunded,
    });
  }
}

export class ProviderUnavailable extends PaymentsError {
  readonly kind = 'unavailable';
  readonly code = 'payments/provider-unavailable';
  constructor(operation: string, intentId: string, cause?: unknown) {
    super(`The payment provider failed to ${operation} intent ${intentId}; retrying is safe.`, { intentId, operation }, { cause });
  }
}

export class ProviderTimeout extends PaymentsError {
  readonly kind = 'unavailable';
  readonly code = 'payments/provider-timeout';
  constructor(operation: string, intentId: string, timeoutMs: number) {
    super(
      `The payment provider did not answer within ${timeoutMs} ms to ${operation} intent ${intentId}; its outcome is unknown until a retry, which is safe.`,
      {
        intentId,
        operation,
        timeoutMs,
      },
    );
  }
}
