/**
 * The port to a payment provider. Every call carries an idempotency key: the provider answers a repeated key with
 * the outcome it stored for it and never acts twice, so payments can retry after an error, a timeout or a lost
 * reply. Calls end when `signal` aborts (payments' deadline).
 */
export interface PaymentProvider {
  authorize(request: AuthorizeRequest): Promise<ProviderOutcome>;
  capture(request: CaptureRequest): Promise<ProviderOutcome>;
  /** Voids the authorization made with `authorizationKey`, including one the provider has not received yet. */
  void(request: VoidRequest): Promise<ProviderOutcome>;
  refund(request: RefundRequest): Promise<ProviderOutcome>;
}

export interface ProviderCall {
  key: string;
  intentId: string;
  signal: AbortSignal;
}

export interface AuthorizeRequest extends ProviderCall {
  amount: number;
  currency: string;
}

export interface CaptureRequest extends ProviderCall {
  authorizationKey: string;
  amount: number;
}

export interface VoidRequest extends ProviderCall {
  authorizationKey: string;
}

export interface RefundRequest extends ProviderCall {
  amount: number;
  currency: string;
}

/**
 * What the provider answered. For an authorization: `authorized` or `declined`, and later `captured` or `voided`
 * when asked again; for other operations `succeeded` or `declined`.
 */
export interface ProviderOutcome {
  status: 'authorized' | 'captured' | 'voided' | 'succeeded' | 'declined';
  reason: string | null;
  /** The provider's reference of the operation. */
  reference: string;
}

/** The provider answered with an error (a 5xx): nothing happened there, and the call can be retried with its key. */
export class ProviderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProviderError';
  }
}
