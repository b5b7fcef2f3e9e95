import { fileURLToPath } from 'node:url';
import type { EventDefinition } from '../../platform/events/index.ts';
import type { TableData } from '../../platform/compliance/index.ts';
import { subscribe } from '../../platform/events/index.ts';
import { defineModule, type ModuleContext } from '../../platform/host/index.ts';
import { erasureConfirmation, identityContract, userErased } from '../identity/index.ts';
import { orderConfirmed, orderRejected } from '../ordering/index.ts';
import { paymentRefunded } from '../payments/index.ts';
import { eraseCustomer } from './application/erase-customer.ts';
import { deliverMessage } from './application/deliver-message.ts';
import { notificationsContract } from './contract/contract.ts';
import { messagesRoutes } from './infrastructure/messages.handlers.ts';
import { notificationsDeps, notificationsRequiredSettings } from './infrastructure/notifications-runtime.ts';
import { notificationSubscriptions } from './infrastructure/subscriptions.ts';
import { templateRegistry, templates, type TemplateRegistry } from './templates/registry.ts';

/** The events a customer gets a message about. */
export const notifiedEvents: readonly EventDefinition[] = [orderConfirmed, orderRejected, paymentRefunded];

/** Notifications' tables and what they hold (see docs/operations/data-classification.md). */
const data: Record<string, TableData> = {
  messages: {
    classification: 'personal',
    subject: 'customer_id',
    retention: '2y',
    agedBy: 'created_at',
    legalBasis: 'Contract (GDPR Art. 6(1)(b)): telling customers about their orders and payments.',
    columns: {
      customer_id: { category: 'personal', protection: 'plain' },
      subject: { category: 'personal', protection: 'encrypted' },
      body: { category: 'personal', protection: 'encrypted' },
      recipient: { category: 'personal', protection: 'encrypted' },
    },
    copiesOf: notifiedEvents.map((e) => e.name),
  },
};

/** The module with the given templates; throws when a notified event has none (see notificationSubscriptions). */
export function notificationsModuleWith(registry: TemplateRegistry) {
  return defineModule({
    name: 'notifications',
    version: '1.0.0',
    owner: 'team-customer-care',
    costCentre: 'cc-1400-customer-care',
    description: 'Messages to customers about their orders and payments: one per event, from versioned templates, kept in a mailbox.',
    contract: notificationsContract,
    migrations: fileURLToPath(new URL('../../migrations/notifications', import.meta.url)),
    data,

    uses: [identityContract],
    requires: notificationsRequiredSettings,
    routes: (ctx) => messagesRoutes(notificationsDeps(ctx)),
    subscriptions: [
      ...notificationSubscriptions(notifiedEvents, registry),
      subscribe<typeof userErased, ModuleContext>(userErased, 'erase-customer', async ({ userId, erasureId }, { tx, context, log }) => {
        const erased = await eraseCustomer(tx, notificationsDeps(context).fields, data, userId);
        log.info({ erased }, 'customer erased');
        await context.sagas.start(tx, erasureConfirmation, { erasureId, erased }, { id: erasureId });
      }),
    ],
    sagas: [deliverMessage, erasureConfirmation],
  });
}

export const notificationsModule = notificationsModuleWith(templateRegistry(templates));
