import { z } from 'zod';
import { isDomainError } from '../../../platform/http/index.ts';
import type { ModuleContext } from '../../../platform/host/index.ts';
import { defineSaga, step } from '../../../platform/sagas/index.ts';
import { endMessage, findMessage } from '../infrastructure/message-repository.ts';
import { notificationsDeps } from '../infrastructure/notifications-runtime.ts';
import { fieldContext, openMessage } from './message-fields.ts';
import type { NotificationsDeps } from './notifications-deps.ts';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The customer's e-mail address from identity; null when there is none (none given, erased, unknown customer). */
async function addressOf(deps: Pick<NotificationsDeps, 'identity'>, customerId: string, signal: AbortSignal): Promise<string | null> {
  if (!uuidPattern.test(customerId)) return null;
  try {
    const { body } = await deps.identity.getUserContact({ params: { userId: customerId } }, { signal });
    return body.email;
  } catch (error) {
    if (isDomainError(error) && error.code === 'identity/user-not-found') return null;
    throw error;
  }
}

/**
 * Delivers a pending message: asks identity where to, hands it to the sender, then marks it delivered with the
 * sealed address (or undeliverable when there is no address). Only a pending message is delivered, and only a pending
 * one is marked, so a retried attempt after the mark does nothing. Between a sender's acceptance and the mark, a crash
 * makes the next attempt send again, with the same `messageId` (SMTP: the same Message-ID) for the receiver to dedupe.
 */
export async function deliver(deps: NotificationsDeps, messageId: string, signal: AbortSignal): Promise<{ status: string }> {
  const row = await findMessage(deps.db, messageId);
  if (!row || row.status !== 'pending') return { status: row?.status ?? 'missing' };
  const to = await addressOf(deps, row.customerId, signal);
  const message = await openMessage(deps, deps.db, row);
  if (to === null || message.subject === null || message.body === null) {
    const failure = to === null ? 'no-address' : 'customer-erased';
    await deps.transaction((tx) => endMessage(tx, messageId, { status: 'undeliverable', failure }));
    return { status: 'undeliverable' };
  }
  await deps.sender.send({ messageId, to, subject: message.subject, text: message.body }, signal);
  await deps.transaction(async (tx) => {
    const recipient = await deps.fields.seal(tx, row.customerId, to, fieldContext('recipient', messageId));
    await endMessage(tx, messageId, { status: 'delivered', recipient });
  });
  return { status: 'delivered' };
}

/**
 * The delivery of one message, run by the saga runner outside any event transaction: a call to identity or a mail
 * server must not hold the inbox transaction open (on PGlite, one connection, it would wait for itself). Attempts
 * back off; when they are spent the message is marked failed and the saga ends compensated, visible in /ops/sagas.
 */
export const deliverMessage = defineSaga({
  name: 'deliver-message',
  input: z.object({ messageId: z.uuid() }),
  pointOfNoReturn: 'deliver',
  timings: { invokeAttempts: 5, retryBaseMs: 1000, retryMaxMs: 30_000 },
  steps: [
    step<{ messageId: string }, ModuleContext>('deliver', {
      invoke: ({ input, context, signal }) => deliver(notificationsDeps(context), input.messageId, signal),
      compensate: async ({ input, context, failure }) => {
        const deps = notificationsDeps(context);
        await deps.transaction((tx) => endMessage(tx, input.messageId, { status: 'failed', failure: failure?.code ?? 'delivery-failed' }));
      },
    }),
  ],
});
