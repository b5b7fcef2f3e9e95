import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../tests/support/temp-dir.ts';
import { ConfigError, loadConfig } from './load-config.ts';

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
  }
  throw new Error('expected a ConfigError');
};

describe('identity settings', () => {
  it('default to a short access token, a development key-encryption key said to be one, and no password grant', () => {
    const { identity } = loadConfig({});
    expect(identity).toMatchObject({
      issuer: 'http://127.0.0.1:3000',
      audience: 'cleave',
      accessTokenTtlMs: 300_000,
      refreshTokenTtlMs: 14 * 86_400_000,
      refreshTokenMaxAgeMs: 30 * 86_400_000,
      kekSource: 'development-default',
      passwordGrant: false,
      keyActivationDelayMs: 60_000,
    });
    expect(identity.kek?.[0]?.key).toHaveLength(32);
  });

  it('read IDENTITY_KEK as one key or a list with ids, first seals; from IDENTITY_KEK_FILE too', () => {
    const [a, b] = [randomBytes(32).toString('base64'), randomBytes(32).toString('base64url')];
    expect(loadConfig({ IDENTITY_KEK: a }).identity).toMatchObject({ kekSource: 'IDENTITY_KEK', kek: [{ id: 'kek1' }] });
    expect(loadConfig({ IDENTITY_KEK: `new:${b},old:${a}` }).identity.kek?.map((k) => k.id)).toEqual(['new', 'old']);
    const file = join(tempDir('kek'), 'kek');
    writeFileSync(file, `${a}\n`);
    const fromFile = loadConfig({ IDENTITY_KEK_FILE: file, NODE_ENV: 'production' }).identity;
    expect(fromFile.kekSource).toBe('IDENTITY_KEK_FILE');
    expect(Buffer.from(fromFile.kek?.[0]?.key ?? []).toString('base64')).toBe(a);
  });

  it('refuse a bad key, a file that cannot be read, both variables at once, without echoing the secret', () => {
    const bad = problemsOf({ IDENTITY_KEK: 'c2hvcnQtc2VjcmV0' });
    expect(bad.message).toContain('IDENTITY_KEK: key kek1: must be 32 random bytes');
    expect(bad.message).not.toContain('c2hvcnQtc2VjcmV0');
    expect(problemsOf({ IDENTITY_KEK_FILE: '/nonexistent/kek' }).message).toContain('IDENTITY_KEK_FILE: cannot read /nonexistent/kek (ENOENT)');
    expect(problemsOf({ IDENTITY_KEK_FILE: '/etc/hostname', IDENTITY_KEK: randomBytes(32).toString('base64') }).message).toContain('not both');
  });

  it('in production: no default key, the password grant refused, token lifetimes bounded', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).identity).toMatchObject({ kek: undefined, kekSource: 'none', passwordGrant: false });
    expect(problemsOf({ NODE_ENV: 'production', IDENTITY_PASSWORD_GRANT: 'true' }).message).toContain(
      'IDENTITY_PASSWORD_GRANT: the password grant is for local demos',
    );
    expect(problemsOf({ ACCESS_TOKEN_TTL: '2h' }).message).toContain('ACCESS_TOKEN_TTL: must be at most 1h');
    expect(problemsOf({ REFRESH_TOKEN_TTL: '30d', REFRESH_TOKEN_MAX_AGE: '7d' }).message).toContain(
      'REFRESH_TOKEN_MAX_AGE: must be at least REFRESH_TOKEN_TTL',
    );
    expect(loadConfig({ REFRESH_TOKEN_TTL: '1d', REFRESH_TOKEN_MAX_AGE: '1d' }).identity.refreshTokenMaxAgeMs).toBe(86_400_000);
    expect(problemsOf({ IDENTITY_ISSUER: 'https://api.example.com/identity' }).message).toContain('IDENTITY_ISSUER: must be an origin');
  });

  it('a bad key stops the monolith at start with exit code 1 and a readable message', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'apps/monolith/main.ts'], {
      env: { ...process.env, IDENTITY_KEK: 'too-short', LOG_FORMAT: 'json' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('IDENTITY_KEK: key kek1: must be 32 random bytes');
  });
});
