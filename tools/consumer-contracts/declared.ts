import type { ConsumerContract } from '../../platform/contracts/consumer-contract.ts';
import { inventoryConsumes } from '../../modules/inventory/index.ts';
import { orderingConsumes } from '../../modules/ordering/index.ts';
import { notificationsConsumes } from '../../modules/notifications/index.ts';
import { paymentsConsumes } from '../../modules/payments/index.ts';

/**
 * Every consumer contract the modules declare. A module that starts calling or consuming another adds its
 * declaration here; the recording test fails, naming the module, until it does.
 */
export const declaredConsumerContracts: readonly ConsumerContract[] = [
  ...inventoryConsumes,
  ...orderingConsumes,
  ...notificationsConsumes,
  ...paymentsConsumes,
];
