/** A payment intent: one payment a caller wants made, authorized at the provider, then captured or voided. */
export type IntentStatus = 'pending' | 'authorized' | 'declined' | 'captured' | 'voided' | 'refunded';

export interface PaymentIntent {
  id: string;
  reference: string;
  customerId: string;
  amount: number;
  currency: string;
  /** `pending`: recorded before the provider was asked; its outcome is not known yet. */
  status: IntentStatus;
  capturedAmount: number;
  refundedAmount: number;
  declineReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What a caller asks to authorize. */
export interface PaymentRequest {
  reference: string;
  customerId: string;
  amount: number;
  currency: string;
}

/** A repeated authorization is the same request only if everything it asks for is the same. */
export function sameRequest(intent: PaymentIntent, request: PaymentRequest): boolean {
  return (
    intent.reference === request.reference &&
    intent.customerId === request.customerId &&
    intent.amount === request.amount &&
    intent.currency === request.currency
  );
}

/** What is captured and not yet refunded. */
export function refundable(intent: Pick<PaymentIntent, 'capturedAmount' | 'refundedAmount'>): number {
  return intent.capturedAmount - intent.refundedAmount;
}

/** The provider idempotency keys of an intent's operations: a retry sends the same key, so it never charges twice. */
export const providerKeys = {
  authorize: (intentId: string) => `authorize:${intentId}`,
  capture: (intentId: string) => `capture:${intentId}`,
  void: (intentId: string) => `void:${intentId}`,
  refund: (intentId: string, seq: number) => `refund:${intentId}:${seq}`,
};
