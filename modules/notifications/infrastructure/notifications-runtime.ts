import { ConfigError, type ConfigProblem } from '../../../platform/config/index.ts';
import { createFieldEncryption } from '../../../platform/encryption/index.ts';
import type { ModuleContext } from '../../../platform/host/index.ts';
import { createSecretBox } from '../../../platform/security/index.ts';
import { identityContract } from '../../identity/index.ts';
import type { NotificationsDeps } from '../application/notifications-deps.ts';
import { dataKeys } from './schema.ts';
import { mailboxSender } from './senders/mailbox-sender.ts';
import type { Sender } from './senders/sender.ts';
import { smtpSender } from './senders/smtp-sender.ts';

const runtimes = new WeakMap<ModuleContext, NotificationsDeps>();

/** The configured sender: the mailbox alone, or SMTP (the config makes sure a server is set for it). */
function senderOf(config: ModuleContext['config']): Sender {
  const { sender, smtp, from } = config.notifications;
  return sender === 'smtp' && smtp ? smtpSender({ ...smtp, from }) : mailboxSender();
}

const missingDataKek: ConfigProblem = {
  variable: 'DATA_KEK',
  message: 'required with NODE_ENV=production: it wraps the keys sealing customers\u2019 messages (set it, or DATA_KEK_FILE)',
};

/** The key-encryption key notifications cannot run without (unset only in production): checked before any database opens. */
export function notificationsRequiredSettings(config: ModuleContext['config']): ConfigProblem[] {
  return config.dataEncryption.kek ? [] : [missingDataKek];
}

/**
 * What notifications' use cases need, built once per module context: per-customer field encryption under DATA_KEK
 * (refused in production without one), the sender, and identity's client for contact details.
 */
export function notificationsDeps(ctx: ModuleContext): NotificationsDeps {
  const existing = runtimes.get(ctx);
  if (existing) return existing;
  const { kek } = ctx.config.dataEncryption;
  if (!kek) throw new ConfigError([missingDataKek]);
  const deps: NotificationsDeps = {
    db: ctx.db,
    transaction: ctx.transaction,
    sagas: ctx.sagas,
    fields: createFieldEncryption(dataKeys, createSecretBox(kek)),
    sender: senderOf(ctx.config),
    identity: ctx.client(identityContract),
    log: ctx.log,
  };
  runtimes.set(ctx, deps);
  return deps;
}
