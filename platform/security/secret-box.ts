import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Seals small secrets (a private signing key, a data key) with AES-256-GCM under a key-encryption key from the
 * configuration. The sealed text names the key that sealed it, so keys can rotate: `v1.<kid>.<iv>.<tag>.<ciphertext>`
 * (base64url parts). Tampering with any part fails the authentication tag.
 */
export interface SecretBox {
  seal(plain: Uint8Array | string, context?: string): string;
  open(sealed: string, context?: string): Buffer;
}

export interface KeyEncryptionKey {
  id: string;
  /** 32 bytes. */
  key: Uint8Array;
}

/** A box that seals with `keys[0]` and opens with any of `keys` (older keys keep opening what they sealed). */
export function createSecretBox(keys: readonly KeyEncryptionKey[]): SecretBox {
  const [current] = keys;
  if (!current) throw new Error('A secret box needs at least one key-encryption key.');
  for (const k of keys) {
    if (k.key.length !== 32) throw new Error(`Key-encryption key ${k.id} must be 32 bytes, not ${k.key.length}.`);
    if (!/^[\w-]{1,32}$/.test(k.id)) throw new Error(`Key-encryption key id "${k.id}" must be 1-32 letters, digits, - or _.`);
  }
  const byId = new Map(keys.map((k) => [k.id, k.key]));
  return {
    seal(plain, context = '') {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv);
      // The context (what the secret is for) is authenticated, so a sealed value cannot be moved to another purpose.
      cipher.setAAD(Buffer.from(`${current.id}|${context}`));
      const body = Buffer.concat([cipher.update(typeof plain === 'string' ? Buffer.from(plain, 'utf8') : plain), cipher.final()]);
      return ['v1', current.id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
    },
    open(sealed, context = '') {
      const [version, kid, iv, tag, body] = sealed.split('.');
      if (version !== 'v1' || !kid || !iv || !tag || body === undefined) throw new Error('Not a sealed secret.');
      const key = byId.get(kid);
      if (!key) throw new Error(`Sealed with key ${kid}, which is not configured.`);
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(`${kid}|${context}`));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
    },
  };
}
