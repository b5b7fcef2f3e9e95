import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** A data key: 32 random bytes, named by the id every value it seals carries. */
export interface DataKey {
  id: string;
  key: Uint8Array;
}

const version = 'f1';

/**
 * Seals one field value with AES-256-GCM: `f1.<key id>.<iv>.<tag>.<ciphertext>` (base64url parts). `context` says
 * where the value belongs (`identity.users.email/<user id>`) and is authenticated with it, so a sealed value copied to
 * another row, column or event does not open there.
 */
export function sealField(dataKey: DataKey, plain: string, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', dataKey.key, iv);
  cipher.setAAD(Buffer.from(`${version}|${dataKey.id}|${context}`));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return [version, dataKey.id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
}

/** The id of the data key that sealed `sealed`, or `undefined` when it is not a sealed field. */
export function sealedKeyId(sealed: string): string | undefined {
  const parts = sealed.split('.');
  return parts.length === 5 && parts[0] === version && parts[1] ? parts[1] : undefined;
}

/** Opens what `sealField` sealed with the same key and context; throws on any other key, context or a tampered value. */
export function openField(dataKey: DataKey, sealed: string, context: string): string {
  const [v, kid, iv, tag, body] = sealed.split('.');
  if (v !== version || !kid || !iv || !tag || body === undefined) throw new Error('Not a sealed field.');
  if (kid !== dataKey.id) throw new Error(`Sealed with data key ${kid}, not ${dataKey.id}.`);
  const decipher = createDecipheriv('aes-256-gcm', dataKey.key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(`${version}|${kid}|${context}`));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}
