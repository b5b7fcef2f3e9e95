import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';
import { stripUrlCredentials } from './redaction.ts';

function capture(): { lines: string[]; log: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { lines, log: createLogger({ level: 'debug', format: 'json', destination }) };
}

describe('log redaction', () => {
  it('masks credential headers, OAuth parameters, passwords and keys at every depth a line holds them', () => {
    const { lines, log } = capture();
    const secret = 'do-not-print-me';
    log.info(
      {
        password: secret,
        token: secret,
        headers: { authorization: `Bearer ${secret}`, cookie: secret, 'cleave-on-behalf-of': secret, 'set-cookie': secret, accept: 'text/html' },
        req: { headers: { authorization: secret }, body: { client_secret: secret } },
        body: { access_token: secret, refresh_token: secret, code_verifier: secret, username: 'alice' },
        identity: { kek: secret, adminSecret: secret, moduleClientKey: secret, moduleClientSecrets: { inventory: secret } },
        config: { database: { url: secret, moduleUrls: { inventory: secret } }, redis: { url: secret }, identity: { kek: [{ id: 'a', key: secret }] } },
      },
      'everything secret',
    );
    log.child({ module: 'catalog' }).debug({ secret, clientSecret: secret, accessToken: secret, refreshToken: secret }, 'from a child');
    const text = lines.join('');
    expect(text).not.toContain(secret);
    expect(text).toContain('"accept":"text/html"');
    expect(text).toContain('"username":"alice"');
    expect(text.match(/\[redacted\]/g)?.length).toBe(23);
  });

  it('masks URL passwords in logged errors, their causes, and secret-named fields they carry', () => {
    const { lines, log } = capture();
    const cause = new Error('redis://default:redis-pa55@cache:6379 refused');
    const error = Object.assign(new Error('connecting to postgres://app:db-pa55@db:5432/cleave failed', { cause }), {
      url: 'postgres://app:db-pa55@db/cleave',
      request: { headers: { authorization: 'Basic c2VjcmV0' } },
    });
    log.error({ err: error }, 'failed');
    const text = lines.join('');
    for (const secret of ['db-pa55', 'redis-pa55', 'c2VjcmV0']) expect(text).not.toContain(secret);
    expect(text).toContain('postgres://app:[redacted]@db:5432/cleave');
    expect(text).toContain('redis://default:[redacted]@cache:6379');
  });

  it('masks the bound values of a failed query, keeping the query', () => {
    const { lines, log } = capture();
    const hash = 'scrypt$1024$8$1$c2FsdA$aGFzaA';
    const failed = Object.assign(new Error(`Failed query: insert into "identity"."users" values ($1, $2)\nparams: alice,${hash}`), {
      query: 'insert into "identity"."users" values ($1, $2)',
      params: ['alice', hash],
    });
    log.error({ err: failed }, 'request failed');
    const text = lines.join('');
    expect(text).not.toContain(hash);
    expect(text).toContain('Failed query: insert into \\"identity\\".\\"users\\" values ($1, $2)\\nparams: [redacted]');
  });

  it('strips the password of every URL in a text, and leaves other text alone', () => {
    expect(stripUrlCredentials('a postgresql://u:p%40ss@h/d and redis://:pw@r:6379/0 b')).toBe(
      'a postgresql://u:[redacted]@h/d and redis://:[redacted]@r:6379/0 b',
    );
    expect(stripUrlCredentials('http://example.com/a@b http://u@h/ ratio 3:4@x')).toBe('http://example.com/a@b http://u@h/ ratio 3:4@x');
  });
});
