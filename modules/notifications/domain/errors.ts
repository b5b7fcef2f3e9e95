/** Notifications' domain errors: plain data with a stable code and a kind; no HTTP here. */
type Kind = 'not_found' | 'forbidden';

abstract class NotificationsError extends Error {
  abstract readonly kind: Kind;
  abstract readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(message: string, details: Record<string, unknown>) {
    super(message);
    this.details = details;
  }
}

/** Unknown, or another customer's: the answer does not tell which. */
export class MessageNotFound extends NotificationsError {
  readonly kind = 'not_found';
  readonly code = 'notifications/message-not-found';
  constructor(messageId: string) {
    super(`Message ${messageId} does not exist.`, { messageId });
  }
}

/** A customer's mailbox is read with the customer's own token (a user), not a machine client's. */
export class CustomerTokenRequired extends NotificationsError {
  readonly kind = 'forbidden';
  readonly code = 'notifications/customer-token-required';
  constructor() {
    super('Reading your messages needs a token issued to you (a user), not to a machine client.', {});
  }
}
