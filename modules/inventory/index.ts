/**
 * @module inventory
 * The inventory bounded context: stock per product, receipts, reservations. Other modules import only this file:
 * the contract (for clients) and the module definition (for hosts).
 */
export { inventoryModule } from './module.ts';
export { inventoryContract } from './contract/contract.ts';
export { inventoryConsumes } from './contract/consumes.ts';
export type { StockDto, ReservationDto } from './contract/stock.schemas.ts';
