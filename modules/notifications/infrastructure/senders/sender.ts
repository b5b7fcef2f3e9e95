/** A message on its way out: what a sender needs, opened. `messageId` is stable across retries (dedupe by it). */
export interface OutgoingMessage {
  messageId: string;
  to: string;
  subject: string;
  text: string;
}

/**
 * Where messages leave notifications. `mailbox`: nowhere; the stored message is the delivery, read through the API.
 * Others hand it to a mail server; they throw when it is not accepted, so the delivery is tried again.
 */
export interface Sender {
  readonly kind: 'mailbox' | 'smtp';
  send(message: OutgoingMessage, signal?: AbortSignal): Promise<void>;
}
