import { connect, type Socket } from 'node:net';
import type { Sender } from './sender.ts';
import { mailMessage } from './mail-message.ts';

export interface SmtpSenderOptions {
  host: string;
  port: number;
  from: string;
  /** Per exchange (connect, each reply); default 10 s. */
  timeoutMs?: number;
}

/** Reads SMTP replies (RFC 5321 §4.2: `250-…` continues, `250 …` ends) off a socket, one at a time. */
function replies(socket: Socket) {
  let buffer = '';
  const waiting: ((reply: { code: number; text: string } | Error) => void)[] = [];
  const ready: ({ code: number; text: string } | Error)[] = [];
  const push = (r: { code: number; text: string } | Error) => (waiting.length > 0 ? waiting.shift()?.(r) : ready.push(r));
  let lines: string[] = [];
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('latin1');
    let end: number;
    while ((end = buffer.indexOf('\r\n')) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      lines.push(line);
      if (line[3] !== '-') {
        push({ code: Number(line.slice(0, 3)), text: lines.join('\n') });
        lines = [];
      }
    }
  });
  const fail = (error: Error) => push(error);
  socket.on('error', fail);
  socket.on('close', () => fail(new Error('the SMTP server closed the connection')));
  return () =>
    new Promise<{ code: number; text: string }>((resolve, reject) => {
      const take = (r: { code: number; text: string } | Error) => (r instanceof Error ? reject(r) : resolve(r));
      const next = ready.shift();
      if (next) take(next);
      else waiting.push(take);
    });
}

/** Anything shaped like an e-mail address (`<kim@example.org>`, `kim@example.org`). */
const address = /<?[^\s<>@]+@[^\s<>@]+>?/g;

/**
 * A relay's reply without the addresses in it: relays often echo the recipient (`550 5.1.1 <kim@example.org>:
 * Recipient address rejected`), and the error becomes the delivery's `last_error`, its saga history and log lines,
 * which erasure does not reach. The address is personal data kept only encrypted (see data classification).
 */
export function withoutAddresses(text: string): string {
  return text.replace(address, '<address>');
}

/**
 * Hands messages to an SMTP server (a relay nearby: plain SMTP, no TLS or authentication), one connection per
 * message. Throws unless the server accepts it (a 2xx after the data), so the delivery is tried again. The
 * `Message-ID` is the message's id: a retry after an acceptance that was not recorded carries the same one.
 */
export function smtpSender(options: SmtpSenderOptions): Sender {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    kind: 'smtp',
    async send(message, signal) {
      const socket = connect({ host: options.host, port: options.port });
      socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`the SMTP server did not answer within ${timeoutMs} ms`)));
      const onAbort = () => socket.destroy(signal?.reason instanceof Error ? signal.reason : new Error('delivery aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      const next = replies(socket);
      const expect = async (codes: number[], what: string) => {
        const reply = await next();
        if (!codes.includes(reply.code)) throw new Error(`SMTP ${what} refused: ${withoutAddresses(reply.text).slice(0, 200)}`);
      };
      const command = (line: string) => socket.write(`${line}\r\n`);
      try {
        await expect([220], 'greeting');
        command('EHLO cleave');
        await expect([250], 'EHLO');
        command(`MAIL FROM:<${options.from}>`);
        await expect([250], 'MAIL FROM');
        command(`RCPT TO:<${message.to}>`);
        await expect([250, 251], 'RCPT TO');
        command('DATA');
        await expect([354], 'DATA');
        socket.write(`${mailMessage(message, options.from)}\r\n.\r\n`);
        await expect([250], 'message');
        command('QUIT');
        await next().catch(() => undefined);
      } finally {
        signal?.removeEventListener('abort', onAbort);
        socket.destroy();
      }
    },
  };
}
