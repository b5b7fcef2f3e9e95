import { defineContract } from '../../../platform/contracts/index.ts';
import { commitReservation, getReservation, getStock, receiveStock, releaseReservation, reserveStock } from './stock.routes.ts';

export const inventoryContract = defineContract('inventory', {
  routes: { getStock, receiveStock, reserveStock, getReservation, releaseReservation, commitReservation },
});
