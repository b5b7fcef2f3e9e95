import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretBox } from './secret-box.ts';

const key = (id: string) => ({ id, key: randomBytes(32) });

describe('secret box', () => {
  it('opens what it sealed, for the same purpose only', () => {
    const box = createSecretBox([key('k1')]);
    const sealed = box.seal('private key', 'identity/signing-key/abc');
    expect(sealed).not.toContain('private key');
    expect(box.open(sealed, 'identity/signing-key/abc').toString()).toBe('private key');
    expect(() => box.open(sealed, 'identity/signing-key/other')).toThrow();
  });

  it('refuses a tampered value, and a value sealed under an unknown key', () => {
    const box = createSecretBox([key('k1')]);
    const sealed = box.seal('secret');
    const parts = sealed.split('.');
    const body = Buffer.from(parts[4] as string, 'base64url');
    body[0] = (body[0] as number) ^ 1;
    expect(() => box.open([...parts.slice(0, 4), body.toString('base64url')].join('.'))).toThrow();
    expect(() => createSecretBox([key('k2')]).open(sealed)).toThrow('Sealed with key k1, which is not configured.');
  });

  it('seals with the first key and still opens with the older ones', () => {
    const old = key('old');
    const sealedBefore = createSecretBox([old]).seal('kept');
    const rotated = createSecretBox([key('new'), old]);
    expect(rotated.open(sealedBefore).toString()).toBe('kept');
    expect(rotated.seal('x').split('.')[1]).toBe('new');
  });

  it('refuses keys of the wrong size', () => {
    expect(() => createSecretBox([{ id: 'short', key: randomBytes(16) }])).toThrow('must be 32 bytes');
  });
});
