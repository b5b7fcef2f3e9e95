import { describe, expect, it } from 'vitest';
import { problemsOf } from '../../tests/support/config-problems.ts';
import { loadConfig } from './load-config.ts';

describe('notifications settings', () => {
  it('default to the mailbox alone', () => {
    expect(loadConfig({}).notifications).toEqual({ sender: 'mailbox', smtp: undefined, from: 'no-reply@cleave.invalid' });
  });

  it('read an SMTP server as smtp://host[:port], port 25 by default', () => {
    expect(
      loadConfig({ NOTIFICATIONS_SENDER: 'smtp', NOTIFICATIONS_SMTP_URL: 'smtp://127.0.0.1:2525', NOTIFICATIONS_FROM: 'shop@example.org' }).notifications,
    ).toEqual({
      sender: 'smtp',
      smtp: { host: '127.0.0.1', port: 2525 },
      from: 'shop@example.org',
    });
    expect(loadConfig({ NOTIFICATIONS_SMTP_URL: 'smtp://mail.internal' }).notifications.smtp).toEqual({ host: 'mail.internal', port: 25 });
  });

  it('refuses what cannot work, naming the variable', () => {
    expect(problemsOf({ NOTIFICATIONS_SENDER: 'smtp' })).toEqual([
      { variable: 'NOTIFICATIONS_SENDER', message: expect.stringContaining('NOTIFICATIONS_SMTP_URL') },
    ]);
    expect(problemsOf({ NOTIFICATIONS_SENDER: 'pigeon' }).map((p) => p.variable)).toEqual(['NOTIFICATIONS_SENDER']);
    for (const url of ['http://mail.internal', 'smtp://', 'smtp://mail.internal/path', 'not a url'])
      expect(problemsOf({ NOTIFICATIONS_SMTP_URL: url })).toEqual([{ variable: 'NOTIFICATIONS_SMTP_URL', message: 'must be smtp://host or smtp://host:port' }]);
    expect(problemsOf({ NOTIFICATIONS_SMTP_URL: 'smtp://user:secret@mail.internal' })).toEqual([
      { variable: 'NOTIFICATIONS_SMTP_URL', message: expect.stringContaining('credentials') },
    ]);
    expect(problemsOf({ NOTIFICATIONS_FROM: 'Shop <shop@example.org>' }).map((p) => p.variable)).toEqual(['NOTIFICATIONS_FROM']);
  });
});
