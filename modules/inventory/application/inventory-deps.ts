import type { Client } from '../../../platform/contracts/index.ts';
import type { ModuleContext } from '../../../platform/host/index.ts';
import type { catalogContract } from '../../catalog/index.ts';

/** What inventory's use cases need from the host: its database, its audit trail and a client for catalog. */
export interface InventoryDeps extends Pick<ModuleContext, 'db' | 'transaction' | 'audit'> {
  catalog: Client<typeof catalogContract>;
}
