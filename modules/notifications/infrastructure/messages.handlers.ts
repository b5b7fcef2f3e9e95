import { createRouter, principalOf, type App } from '../../../platform/http/index.ts';
import { endUserOf } from '../../../platform/security/index.ts';
import type { NotificationsDeps } from '../application/notifications-deps.ts';
import { customerMessages, myMessage, myMessages } from '../application/read-messages.ts';
import * as routes from '../contract/messages.routes.ts';
import type { MessageDto } from '../contract/messages.schemas.ts';
import { maskAddress, type Message } from '../domain/message.ts';

function messageDto(m: Message, recipient: (address: string) => string = (a) => a): MessageDto {
  return {
    id: m.id,
    eventId: m.eventId,
    eventName: m.eventName,
    eventVersion: m.eventVersion,
    reference: m.reference,
    template: m.template,
    subject: m.subject,
    body: m.body,
    recipient: m.recipient === null ? null : recipient(m.recipient),
    status: m.status,
    failure: m.failure,
    createdAt: m.createdAt.toISOString(),
    sentAt: m.sentAt?.toISOString() ?? null,
  };
}

/** The mailbox: a customer's own messages, and the operator's view of a customer's. */
export function messagesRoutes(deps: NotificationsDeps): App {
  const app = createRouter();

  app.openapi(routes.listMyMessages, async (c) => {
    const items = await myMessages(deps, endUserOf(principalOf()));
    return c.json({ items: items.map((m) => messageDto(m)) }, 200);
  });

  app.openapi(routes.getMyMessage, async (c) => {
    const message = await myMessage(deps, endUserOf(principalOf()), c.req.valid('param').messageId);
    return c.json(messageDto(message), 200);
  });

  app.openapi(routes.listCustomerMessages, async (c) => {
    // Messages name the customer as text, in the lower case events carry; a UUID is the same in either case (RFC 9562 §4).
    const customerId = c.req.valid('param').customerId.toLowerCase();
    const { count, items } = await customerMessages(deps, customerId);
    return c.json({ customerId, count, items: items.map((m) => messageDto(m, maskAddress)) }, 200);
  });

  return app;
}
