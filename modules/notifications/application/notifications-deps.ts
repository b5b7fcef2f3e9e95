import type { Client } from '../../../platform/contracts/index.ts';
import type { FieldEncryption } from '../../../platform/encryption/index.ts';
import type { ModuleContext } from '../../../platform/host/index.ts';
import type { identityContract } from '../../identity/index.ts';
import type { Sender } from '../infrastructure/senders/sender.ts';

/** What notifications' use cases need from the host. */
export interface NotificationsDeps extends Pick<ModuleContext, 'db' | 'transaction' | 'sagas' | 'log'> {
  /** Seals subject, body and address with the customer's data key: erasing the customer shreds every message. */
  fields: FieldEncryption;
  sender: Sender;
  identity: Client<typeof identityContract>;
}
