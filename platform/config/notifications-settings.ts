import type { z } from 'zod';
import type { environmentSchema } from './schema.ts';
import { whenValid } from './partial-environment.ts';

/** How the notifications module hands its messages over (docs: modules/notifications). */
export interface NotificationsConfig {
  /** `mailbox`: stored and read through the API only; `smtp`: also sent to `smtp` (a relay that delivers mail). */
  sender: 'mailbox' | 'smtp';
  /** The SMTP server, for `sender: 'smtp'`: plain SMTP to a relay nearby (no TLS, no authentication). */
  smtp: { host: string; port: number } | undefined;
  /** The `From` address of every message. */
  from: string;
}

type Environment = z.output<typeof environmentSchema>;

/** Reads `NOTIFICATIONS_SENDER`, `NOTIFICATIONS_SMTP_URL` (`smtp://host[:port]`) and `NOTIFICATIONS_FROM`. */
export function notificationsSettings(e: Environment, problems: { variable: string; message: string }[]): NotificationsConfig {
  const variable = 'NOTIFICATIONS_SMTP_URL';
  let smtp: NotificationsConfig['smtp'];
  if (e.NOTIFICATIONS_SMTP_URL !== undefined) {
    const url = URL.canParse(e.NOTIFICATIONS_SMTP_URL) ? new URL(e.NOTIFICATIONS_SMTP_URL) : undefined;
    if (!url || url.protocol !== 'smtp:' || url.hostname === '' || (url.pathname !== '' && url.pathname !== '/'))
      problems.push({ variable, message: 'must be smtp://host or smtp://host:port' });
    else if (url.username !== '' || url.password !== '')
      problems.push({ variable, message: 'carries credentials, which the SMTP sender does not use: point it at a relay that needs none' });
    else smtp = { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port === '' ? 25 : Number(url.port) };
  }
  whenValid(() => {
    if (e.NOTIFICATIONS_SENDER === 'smtp' && e.NOTIFICATIONS_SMTP_URL === undefined)
      problems.push({ variable: 'NOTIFICATIONS_SENDER', message: 'smtp needs NOTIFICATIONS_SMTP_URL (smtp://host:port)' });
  });
  return { sender: e.NOTIFICATIONS_SENDER, smtp, from: e.NOTIFICATIONS_FROM };
}
