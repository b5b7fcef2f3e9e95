/**
 * @module catalog
 * The catalog bounded context: products and their prices. Other modules import only this file: the contract (for
 * clients and events) and the module definition (for hosts).
 */
export { catalogModule } from './module.ts';
export { catalogContract } from './contract/contract.ts';
export { productCreated, productCreatedV1, productCreatedV2, productUpdated, productArchived } from './contract/events.ts';
export type { ProductDto, CreateProductInput, UpdateProductInput } from './contract/products.schemas.ts';
