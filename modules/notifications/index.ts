/**
 * @module notifications
 * The notifications bounded context: one message to the customer per order and payment event, from versioned
 * templates, stored in a mailbox (and handed to a sender). Other modules import only this file.
 */
export { notificationsModule } from './module.ts';
export { notificationsContract } from './contract/contract.ts';
export type { MessageDto } from './contract/messages.schemas.ts';
