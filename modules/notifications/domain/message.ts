/** A message written to a customer, as notifications keeps it: one per event and template. */
export type MessageStatus = 'pending' | 'delivered' | 'undeliverable' | 'failed';

/** A stored message with its personal fields opened (null once the customer was erased). */
export interface Message {
  id: string;
  eventId: string;
  eventName: string;
  eventVersion: number;
  template: string;
  customerId: string;
  reference: string;
  subject: string | null;
  body: string | null;
  recipient: string | null;
  status: MessageStatus;
  failure: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

/** What a template renders: the subject line and the plain-text body. */
export interface RenderedMessage {
  subject: string;
  text: string;
}

/** `ada@example.org` → `a***@example.org`: enough for an operator to tell addresses apart, not to write to one. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${address[0] ?? ''}***${address.slice(at)}`;
}
