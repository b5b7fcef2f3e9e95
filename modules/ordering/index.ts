/**
 * @module ordering
 * The ordering bounded context: orders and the checkout. Other modules import only this file. (For now only its
 * integration events, which consumers subscribe to; the module itself comes with its own change.)
 */
export { orderPlaced, orderConfirmed, orderRejected, orderCompleted } from './contract/events.ts';
