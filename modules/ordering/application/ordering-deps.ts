import type { Client } from '../../../platform/contracts/index.ts';
import type { ModuleContext } from '../../../platform/host/index.ts';
import type { catalogContract } from '../../catalog/index.ts';

/** What ordering's request use cases need from the host: its database, outbox, sagas, and a client for catalog. */
export interface OrderingDeps extends Pick<ModuleContext, 'db' | 'transaction' | 'outbox' | 'sagas'> {
  catalog: Client<typeof catalogContract>;
}
