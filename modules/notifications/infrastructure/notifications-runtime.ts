import { ConfigError } from '../../../platform/config/index.ts';
import { createFieldEncryption } from '../../../platform/encryption/index.ts';
import type { ModuleContext } from '../../../platform/host/index.ts';
import { createSecretBox } from '../../../platform/security/index.ts';
import { identityContract } from '../../identity/index.ts';
import type { NotificationsDeps } from '../application/notifications-deps.ts';
import { dataKeys } from './schema.ts';
import { mailboxSender } from './senders/mailbox-sender.ts';

const runtimes = new WeakMap<ModuleContext, NotificationsDeps>();

/**
 * What notifications' use cases need, built once per module context: per-customer field encryption under DATA_KEK
 * (refused in production without one), the sender, and identity's client for contact details.
 */
export function notificationsDeps(ctx: ModuleContext): NotificationsDeps {
  const existing = runtimes.get(ctx);
  if (existing) return existing;
  const { kek } = ctx.config.dataEncryption;
  if (!kek) {
    throw new ConfigError([
      { variable: 'DATA_KEK', message: 'required with NODE_ENV=production: it wraps the keys sealing customers\u2019 messages (set it, or DATA_KEK_FILE)' },
    ]);
  }
  const deps: NotificationsDeps = {
    db: ctx.db,
    transaction: ctx.transaction,
    sagas: ctx.sagas,
    fields: createFieldEncryption(dataKeys, createSecretBox(kek)),
    sender: mailboxSender(),
    identity: ctx.client(identityContract),
    log: ctx.log,
  };
  runtimes.set(ctx, deps);
  return deps;
}
