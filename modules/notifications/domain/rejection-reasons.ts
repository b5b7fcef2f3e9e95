/**
 * What an order rejection's problem code means to a customer. Codes come from the checkout's participants
 * (`inventory/insufficient-stock`, `payments/card-declined`); anything else gets the generic explanation, never the
 * technical message.
 */
const explanations: Record<string, string> = {
  'inventory/insufficient-stock': 'Some of the items you ordered are out of stock, so we could not reserve them for you.',
  'inventory/product-archived': 'One of the items you ordered is no longer sold.',
  'payments/card-declined': 'Your payment was declined by your card issuer. You have not been charged.',
  'payments/insufficient-funds': 'Your payment was declined for insufficient funds. You have not been charged.',
};

export const genericRejection = 'Something went wrong on our side while we processed it. You have not been charged.';

export function explainRejection(code: string): string {
  return explanations[code] ?? genericRejection;
}
