import type { Sender } from './sender.ts';

/** The default sender: the message row in notifications' schema is the mailbox, so there is nothing to hand over. */
export function mailboxSender(): Sender {
  return { kind: 'mailbox', send: async () => {} };
}
