import type { Executor } from '../../../platform/db/index.ts';
import type { Message } from '../domain/message.ts';
import type { MessageRow } from '../infrastructure/message-repository.ts';
import type { NotificationsDeps } from './notifications-deps.ts';

type Sealed = 'subject' | 'body' | 'recipient';

/** Where a sealed value belongs, authenticated with it: a value moved to another row or column does not open. */
export const fieldContext = (field: Sealed, messageId: string) => `notifications.messages.${field}/${messageId}`;

/** A stored message with its subject, body and address opened; null where the customer was erased. */
export async function openMessage(deps: Pick<NotificationsDeps, 'fields'>, db: Executor, row: MessageRow): Promise<Message> {
  return (await openMessages(deps, db, [row]))[0] as Message;
}

/** Opens many messages with one read of their keys. */
export async function openMessages(deps: Pick<NotificationsDeps, 'fields'>, db: Executor, rows: readonly MessageRow[]): Promise<Message[]> {
  const fields: readonly Sealed[] = ['subject', 'body', 'recipient'];
  const wanted = rows.flatMap((row) =>
    fields.filter((f) => row[f] !== null).map((f) => ({ row: row.id, field: f, sealed: row[f] as string, context: fieldContext(f, row.id) })),
  );
  const opened = await deps.fields.openAll(db, wanted);
  const values = new Map(wanted.map((w, i) => [`${w.row}/${w.field}`, opened[i]?.status === 'ok' ? opened[i].value : null]));
  return rows.map((row) => ({
    id: row.id,
    eventId: row.eventId,
    eventName: row.eventName,
    eventVersion: row.eventVersion,
    template: row.template,
    customerId: row.customerId,
    reference: row.reference,
    subject: values.get(`${row.id}/subject`) ?? null,
    body: values.get(`${row.id}/body`) ?? null,
    recipient: values.get(`${row.id}/recipient`) ?? null,
    status: row.status,
    failure: row.failure,
    createdAt: row.createdAt,
    sentAt: row.sentAt,
  }));
}
