import { randomUUID } from 'node:crypto';
import type { Tx } from '../../../platform/db/index.ts';
import type { EventEnvelope } from '../../../platform/events/index.ts';
import { templateKey, type MessageTemplate } from '../templates/message-template.ts';
import { insertMessage } from '../infrastructure/message-repository.ts';
import { deliverMessage } from './deliver-message.ts';
import { fieldContext } from './message-fields.ts';
import type { NotificationsDeps } from './notifications-deps.ts';

/**
 * On an event: renders its template and stores the message, pending, sealed with the customer's key, then starts its
 * delivery, all in the event's inbox transaction. The inbox makes this once per event; the unique (event, template)
 * of the messages table makes it once per event even past the inbox (a replayed dead letter, a pruned inbox row).
 * Returns the message id, or undefined when the message already existed.
 */
export async function recordMessage(
  deps: Pick<NotificationsDeps, 'fields' | 'sagas'>,
  tx: Tx,
  template: MessageTemplate,
  envelope: Pick<EventEnvelope, 'id' | 'name' | 'version' | 'payload'>,
): Promise<string | undefined> {
  const payload = envelope.payload;
  const customerId = template.customerOf(payload);
  const rendered = template.render(payload);
  const id = randomUUID();
  const seal = await deps.fields.sealerFor(tx, customerId);
  const stored = await insertMessage(tx, {
    id,
    eventId: envelope.id,
    eventName: envelope.name,
    eventVersion: envelope.version,
    template: templateKey(template),
    customerId,
    reference: template.referenceOf(payload),
    subject: seal(rendered.subject, fieldContext('subject', id)),
    body: seal(rendered.text, fieldContext('body', id)),
  });
  if (!stored) return undefined;
  // The saga (not the handler) reaches identity and the mail server: no call waits inside this transaction.
  await deps.sagas.start(tx, deliverMessage, { messageId: id }, { id: `message-${id}` });
  return id;
}
