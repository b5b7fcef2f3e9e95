import type { Principal } from '../../../platform/security/index.ts';
import { MessageNotFound } from '../domain/errors.ts';
import type { Message } from '../domain/message.ts';
import { countedMessagesOf, findMessage, messagesOf } from '../infrastructure/message-repository.ts';
import { openMessages } from './message-fields.ts';
import type { NotificationsDeps } from './notifications-deps.ts';

const pageSize = 100;

/** The customer a token speaks for: its user; a machine client is nobody's customer and has no messages. */
const customerOf = (principal: Principal | undefined): string | undefined => (principal?.kind === 'user' ? principal.subject : undefined);

/** The signed-in customer's messages, newest first (the latest 100). */
export async function myMessages(deps: NotificationsDeps, principal: Principal | undefined): Promise<Message[]> {
  const customer = customerOf(principal);
  return customer === undefined ? [] : openMessages(deps, deps.db, await messagesOf(deps.db, customer, pageSize));
}

/** One of the signed-in customer's messages; another customer's is not found, like an unknown one. */
export async function myMessage(deps: NotificationsDeps, principal: Principal | undefined, messageId: string): Promise<Message> {
  const row = await findMessage(deps.db, messageId);
  if (!row || customerOf(principal) === undefined || row.customerId !== customerOf(principal)) throw new MessageNotFound(messageId);
  return (await openMessages(deps, deps.db, [row]))[0] as Message;
}

/** An operator's view of what was written to a customer: how many messages, and the latest 100. */
export async function customerMessages(deps: NotificationsDeps, customerId: string): Promise<{ count: number; items: Message[] }> {
  const { count, rows } = await countedMessagesOf(deps.db, customerId, pageSize);
  return { count, items: await openMessages(deps, deps.db, rows) };
}
