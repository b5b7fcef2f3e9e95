import { createServer, type AddressInfo, type Socket } from 'node:net';

export interface SunkMail {
  from: string;
  to: string[];
  /** Headers by lower-case name. */
  headers: Record<string, string>;
  /** The body, decoded from base64. */
  text: string;
}

/**
 * A local SMTP server for tests (RFC 5321, the commands a sender uses): it keeps every message it accepts, and refuses
 * the next `refuse` messages after their data with 451 (a temporary failure), as a busy relay would.
 */
export async function startSmtpSink() {
  const mails: SunkMail[] = [];
  const state = { refuse: 0, refused: 0 };
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffer = '';
    let data: string[] | undefined;
    let envelope: { from: string; to: string[] } = { from: '', to: [] };
    const reply = (line: string) => socket.write(`${line}\r\n`);
    reply('220 sink.test ESMTP');
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let end: number;
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (data) {
          if (line !== '.') {
            data.push(line.startsWith('..') ? line.slice(1) : line);
            continue;
          }
          const lines = data;
          data = undefined;
          if (state.refuse > 0) {
            state.refuse -= 1;
            state.refused += 1;
            // As relays do, naming the recipient: what the sender records of the refusal must not.
            reply(`451 4.3.0 <${envelope.to.join(',')}>: try again later`);
            continue;
          }
          const split = lines.indexOf('');
          const headers = Object.fromEntries(
            lines.slice(0, split).map((h) => [h.slice(0, h.indexOf(':')).toLowerCase(), h.slice(h.indexOf(':') + 1).trim()] as const),
          );
          mails.push({ ...envelope, headers, text: Buffer.from(lines.slice(split + 1).join(''), 'base64').toString('utf8') });
          reply('250 2.0.0 queued');
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') reply('250-sink.test\r\n250 8BITMIME');
        else if (verb === 'MAIL') {
          envelope = { from: /<(.*)>/.exec(line)?.[1] ?? '', to: [] };
          reply('250 2.1.0 ok');
        } else if (verb === 'RCPT') {
          envelope.to.push(/<(.*)>/.exec(line)?.[1] ?? '');
          reply('250 2.1.5 ok');
        } else if (verb === 'DATA') {
          data = [];
          reply('354 go ahead');
        } else if (verb === 'QUIT') {
          reply('221 bye');
          socket.end();
        } else reply('502 5.5.1 not implemented');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `smtp://127.0.0.1:${(server.address() as AddressInfo).port}`,
    mails,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
