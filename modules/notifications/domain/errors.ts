/** Notifications' domain errors: plain data with a stable code and a kind; no HTTP here. */
type Kind = 'not_found';

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
