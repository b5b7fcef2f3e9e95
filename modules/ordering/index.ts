/**
 * @module ordering
 * The ordering bounded context: carts, the event-sourced order with its read models, and the checkout saga that
 * reserves stock, authorizes, confirms and captures. Other modules import only this file: the contract and its events.
 */
export { orderingModule } from './module.ts';
export { orderingContract } from './contract/contract.ts';
export { orderingConsumes } from './contract/consumes.ts';
export { orderPlaced, orderConfirmed, orderRejected, orderCompleted } from './contract/events.ts';
export type { CartDto, OrderDto, OrderSummaryDto } from './contract/ordering.schemas.ts';
