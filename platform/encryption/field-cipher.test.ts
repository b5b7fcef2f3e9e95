import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { blindIndex, normaliseEmail } from './blind-index.ts';
import { openField, sealField, sealedKeyId } from './field-cipher.ts';

const dataKey = () => ({ id: randomUUID(), key: randomBytes(32) });

describe('field cipher', () => {
  it('opens what it sealed in the same context only, and names its key', () => {
    const key = dataKey();
    const sealed = sealField(key, 'ada@example.org', 'identity.users.email/u1');
    expect(sealed).not.toContain('ada');
    expect(sealedKeyId(sealed)).toBe(key.id);
    expect(openField(key, sealed, 'identity.users.email/u1')).toBe('ada@example.org');
    // Moved to another row or column, it does not open.
    expect(() => openField(key, sealed, 'identity.users.email/u2')).toThrow();
    expect(() => openField(key, sealed, 'identity.users.display_name/u1')).toThrow();
  });

  it('refuses a tampered value and another key', () => {
    const key = dataKey();
    const parts = sealField(key, 'x', 'c').split('.');
    const body = Buffer.from(parts[4] as string, 'base64url');
    body[0] = (body[0] as number) ^ 1;
    expect(() => openField(key, [...parts.slice(0, 4), body.toString('base64url')].join('.'), 'c')).toThrow();
    expect(() => openField({ ...dataKey(), id: key.id }, parts.join('.'), 'c')).toThrow();
    expect(sealedKeyId('plain text')).toBeUndefined();
  });

  it('seals the same value differently each time (random IV)', () => {
    const key = dataKey();
    expect(sealField(key, 'same', 'c')).not.toBe(sealField(key, 'same', 'c'));
  });
});

describe('blind index', () => {
  it('is the same for equal normalised values, differs per column and per key', () => {
    const key = randomBytes(32);
    const a = blindIndex(key, 'identity.users.email', normaliseEmail('  Ada@Example.ORG '));
    expect(a).toBe(blindIndex(key, 'identity.users.email', 'ada@example.org'));
    expect(a).not.toBe(blindIndex(key, 'identity.users.backup_email', 'ada@example.org'));
    expect(a).not.toBe(blindIndex(randomBytes(32), 'identity.users.email', 'ada@example.org'));
    // Nothing of the value shows (a random 43-character digest may hold three letters of it, so not `ada`).
    expect(a).not.toContain('example');
  });
});
