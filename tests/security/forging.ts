import { createHmac, generateKeyPairSync, sign as nodeSign, type KeyObject } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';

/** The raw material of a forgery: base64url, compact serialisation, signatures made with any key. */
export const b64 = (data: string | Uint8Array) => Buffer.from(data).toString('base64url');

/** `header.payload` exactly as given: objects are JSON-encoded, strings taken verbatim (to carry invalid JSON). */
export function signingInput(header: object | string, payload: object | string): string {
  const text = (part: object | string) => (typeof part === 'string' ? part : JSON.stringify(part));
  return `${b64(text(header))}.${b64(text(payload))}`;
}

export function hmacToken(alg: 'HS256' | 'HS384' | 'HS512', secret: string | Uint8Array, header: object, payload: object): string {
  const input = signingInput({ ...header, alg }, payload);
  return `${input}.${createHmac(`sha${alg.slice(2)}`, secret)
    .update(input)
    .digest('base64url')}`;
}

/** A compact JWS signed by a node:crypto key; `dsaEncoding` picks JWS's r||s or the ASN.1 DER form JWS forbids. */
export function nodeSignedToken(
  key: KeyObject,
  hash: string | null,
  header: object,
  payload: object,
  dsaEncoding: 'ieee-p1363' | 'der' = 'ieee-p1363',
): string {
  const input = signingInput(header, payload);
  const signature = nodeSign(hash, Buffer.from(input), key.asymmetricKeyType === 'ec' ? { key, dsaEncoding } : key);
  return `${input}.${b64(signature)}`;
}

/** An ES256 JWS signed with `privateKey` (Web Crypto gives the r||s form JWS uses); no header check of any kind. */
export async function webCryptoSignedToken(privateKey: CryptoKey, header: object | string, payload: object | string): Promise<string> {
  const input = signingInput(header, payload);
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, Buffer.from(input));
  return `${input}.${b64(new Uint8Array(signature))}`;
}

/** Keys an attacker holds: none of them is in the server's key set. */
export interface AttackerKeys {
  p256: { privateKey: CryptoKey; publicJwk: JWK };
  p384: KeyObject;
  p521: KeyObject;
  secp256k1: KeyObject;
  rsa: KeyObject;
  ed25519: KeyObject;
}

export async function attackerKeys(): Promise<AttackerKeys> {
  const p256 = await generateKeyPair('ES256', { extractable: true });
  const ec = (namedCurve: string) => generateKeyPairSync('ec', { namedCurve }).privateKey;
  return {
    p256: { privateKey: p256.privateKey, publicJwk: await exportJWK(p256.publicKey) },
    p384: ec('P-384'),
    p521: ec('P-521'),
    secp256k1: ec('secp256k1'),
    rsa: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
    ed25519: generateKeyPairSync('ed25519').privateKey,
  };
}
