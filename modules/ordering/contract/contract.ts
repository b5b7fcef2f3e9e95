import { defineContract } from '../../../platform/contracts/index.ts';
import { orderCompleted, orderConfirmed, orderPlaced, orderRejected } from './events.ts';
import { checkOutCart, createCart, getCart, getOrder, listOrders, removeCartLine, setCartLine } from './ordering.routes.ts';

export const orderingContract = defineContract('ordering', {
  routes: { createCart, getCart, setCartLine, removeCartLine, checkOutCart, listOrders, getOrder },
  events: [orderPlaced, orderConfirmed, orderRejected, orderCompleted],
});
