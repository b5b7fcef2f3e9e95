import { catalogModule } from '../modules/catalog/index.ts';
import { identityModule } from '../modules/identity/index.ts';
import { inventoryModule } from '../modules/inventory/index.ts';
import { notificationsModule } from '../modules/notifications/index.ts';
import { orderingModule } from '../modules/ordering/index.ts';
import { paymentsModule } from '../modules/payments/index.ts';

/** Every module this application is made of; `MODULES` picks which of them a process hosts. */
export const modules = [catalogModule, inventoryModule, identityModule, paymentsModule, orderingModule, notificationsModule];
