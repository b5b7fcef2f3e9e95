import type { OutgoingMessage } from './sender.ts';

/** RFC 2047 encoded-word for a header with anything but printable ASCII. */
const headerText = (value: string) => (/^[\x20-\x7e]*$/.test(value) ? value : `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`);

/**
 * The message as RFC 5322 text, ready for SMTP DATA: the body in base64 (UTF-8, lines of 76), so no line starts with
 * a dot and nothing needs an 8-bit transport. The `Message-ID` comes from the message id, stable across retries.
 */
export function mailMessage(message: OutgoingMessage, from: string, date = new Date()): string {
  const body =
    Buffer.from(message.text, 'utf8')
      .toString('base64')
      .match(/.{1,76}/g) ?? [];
  const domain = from.slice(from.lastIndexOf('@') + 1);
  return [
    `From: ${from}`,
    `To: ${message.to}`,
    `Subject: ${headerText(message.subject)}`,
    `Message-ID: <${message.messageId}@${domain}>`,
    `Date: ${date.toUTCString()}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    ...body,
  ].join('\r\n');
}
