import { createPublicKey, randomUUID } from 'node:crypto';
import { CompactEncrypt, decodeJwt, importJWK, type JWK } from 'jose';
import { attackerKeys, b64, hmacToken, nodeSignedToken, signingInput, webCryptoSignedToken } from './forging.ts';

/** What a forger may know or hold of a running identity module; `sign` stands for a leaked key or a confused signer. */
export interface ForgeryMaterial {
  issuer: string;
  audience: string;
  /** The server's public signing key as its JWKS publishes it. */
  publicJwk: JWK & { kid: string };
  /** Signs any header and payload with the server's real private key (ES256), checking nothing. */
  sign(header: object | string, payload: object | string): Promise<string>;
  /** A valid access token of a user holding every scope the protected targets need. */
  accessToken: string;
  /** A refresh token issued with it. */
  refreshToken: string;
}

export type ForgedGroup = 'alg-none' | 'hmac-public-key' | 'wrong-key' | 'kid' | 'key-headers' | 'claims' | 'format' | 'presentation';

export interface ForgedCase {
  name: string;
  group: ForgedGroup;
  /** The credential a verifier is handed, when the token itself is forged (absent when only its presentation is). */
  token?: string;
  /** The `Authorization` header sent; `Bearer <token>` when only `token` is set; none when both are absent. */
  authorization?: string;
  /** Appended to the request path, `?` included. */
  query?: string;
}

/** The `Authorization` header a case sends, if any. */
export function authorizationOf(c: ForgedCase): string | undefined {
  return c.authorization ?? (c.token === undefined ? undefined : `Bearer ${c.token}`);
}

/** Builders of headers and claims as the identity module issues them, for forgeries that change one thing. */
function genuineParts(material: ForgeryMaterial) {
  const now = Math.floor(Date.now() / 1000);
  const valid = decodeJwt(material.accessToken);
  const claims = (extra: Record<string, unknown> = {}) => ({ ...valid, iat: now, exp: now + 600, jti: randomUUID(), ...extra });
  const header = (extra: Record<string, unknown> = {}) => ({ alg: 'ES256', kid: material.publicJwk.kid, typ: 'at+jwt', ...extra });
  return { now, valid, claims, header };
}

/**
 * A token crafted the way the forgeries are, with nothing changed (or header parameters that change nothing): it must
 * verify, or the forgeries that change one claim prove nothing.
 */
export function genuineToken(material: ForgeryMaterial, headerParameters: Record<string, unknown> = {}): Promise<string> {
  const { header, claims } = genuineParts(material);
  return material.sign(header(headerParameters), claims());
}

/**
 * Crafted tokens an access-token check must refuse, built against one identity module's keys and issuer (issue 10):
 * `none` in every casing, HMAC keyed with the public key, keys and curves not in the key set, hostile `kid`s, headers
 * that name their own key, claims that are wrong or malformed, JWE and other shapes, and valid tokens presented wrongly.
 */
export async function forgedTokens(material: ForgeryMaterial): Promise<ForgedCase[]> {
  const { issuer, audience, publicJwk, sign, accessToken, refreshToken } = material;
  const { kid } = publicJwk;
  const { now, valid, claims, header } = genuineParts(material);
  const without = (name: string) => Object.fromEntries(Object.entries(claims()).filter(([k]) => k !== name));
  const realSignature = accessToken.split('.')[2] ?? '';
  const attacker = await attackerKeys();

  const unsigned = (alg: string) => `${signingInput({ alg, kid, typ: 'at+jwt' }, claims())}.`;
  const none = ['none', 'None', 'NONE', 'nOnE'].flatMap((alg): ForgedCase[] => [
    { name: `alg ${alg}, empty signature`, group: 'alg-none', token: unsigned(alg) },
    { name: `alg ${alg}, a real signature kept`, group: 'alg-none', token: `${unsigned(alg)}${realSignature}` },
  ]);

  // RFC 8725 §2.1: a verifier that lets the token pick the algorithm would take the public key as an HMAC secret.
  const spki = createPublicKey({ key: publicJwk, format: 'jwk' });
  const x = Buffer.from(publicJwk.x ?? '', 'base64url');
  const y = Buffer.from(publicJwk.y ?? '', 'base64url');
  const secrets: [string, string | Uint8Array][] = [
    ['PEM SPKI', spki.export({ type: 'spki', format: 'pem' }).toString()],
    ['DER SPKI bytes', spki.export({ type: 'spki', format: 'der' })],
    ['DER SPKI base64', spki.export({ type: 'spki', format: 'der' }).toString('base64')],
    ['JWK JSON as published', JSON.stringify(publicJwk)],
    ['JWK JSON of its thumbprint members', JSON.stringify({ crv: publicJwk.crv, kty: publicJwk.kty, x: publicJwk.x, y: publicJwk.y })],
    ['raw x||y', Buffer.concat([x, y])],
    ['uncompressed point 04||x||y', Buffer.concat([Buffer.from([4]), x, y])],
  ];
  const hmac: ForgedCase[] = [
    ...secrets.map(([encoding, secret]): ForgedCase => ({
      name: `HS256 keyed with the public key, ${encoding}`,
      group: 'hmac-public-key',
      token: hmacToken('HS256', secret, header(), claims()),
    })),
    ...(['HS384', 'HS512'] as const).map((alg): ForgedCase => ({
      name: `${alg} keyed with the public key, PEM SPKI`,
      group: 'hmac-public-key',
      token: hmacToken(alg, secrets[0]?.[1] ?? '', header(), claims()),
    })),
  ];

  const ownP256 = (h: object, p: object = claims()) => webCryptoSignedToken(attacker.p256.privateKey, h, p);
  const wrongKey: ForgedCase[] = [
    { name: 'ES256 with the real kid, signed by another P-256 key', group: 'wrong-key', token: await ownP256(header()) },
    { name: 'ES384 on P-384 with the real kid', group: 'wrong-key', token: nodeSignedToken(attacker.p384, 'sha384', header({ alg: 'ES384' }), claims()) },
    { name: 'ES512 on P-521 with the real kid', group: 'wrong-key', token: nodeSignedToken(attacker.p521, 'sha512', header({ alg: 'ES512' }), claims()) },
    { name: 'ES256K on secp256k1', group: 'wrong-key', token: nodeSignedToken(attacker.secp256k1, 'sha256', header({ alg: 'ES256K' }), claims()) },
    { name: 'secp256k1 signature under alg ES256', group: 'wrong-key', token: nodeSignedToken(attacker.secp256k1, 'sha256', header(), claims()) },
    { name: 'RS256 with the real kid', group: 'wrong-key', token: nodeSignedToken(attacker.rsa, 'sha256', header({ alg: 'RS256' }), claims()) },
    { name: 'EdDSA (Ed25519) with the real kid', group: 'wrong-key', token: nodeSignedToken(attacker.ed25519, null, header({ alg: 'EdDSA' }), claims()) },
    // CVE-2022-21449 ("psychic signatures"): r = s = 0 verified under some ECDSA implementations.
    { name: 'ES256 signature of zeros (r = s = 0)', group: 'wrong-key', token: `${signingInput(header(), claims())}.${b64(new Uint8Array(64))}` },
    {
      name: 'a valid token with its scope widened, signature kept',
      group: 'wrong-key',
      token: `${signingInput(header(), claims({ scope: `${String(valid.scope)} superuser` }))}.${realSignature}`,
    },
  ];

  const kidCases: ForgedCase[] = [
    { name: 'unknown kid, signed with the real key', group: 'kid', token: await sign(header({ kid: randomUUID() }), claims()) },
    {
      name: 'kid path traversal to /dev/null, HS256 with an empty secret',
      group: 'kid',
      token: hmacToken('HS256', '', header({ kid: '../../../../../../../dev/null' }), claims()),
    },
    {
      name: 'kid SQL injection selecting a known secret',
      group: 'kid',
      token: hmacToken('HS256', 'secret', header({ kid: `x' UNION SELECT 'secret' --` }), claims()),
    },
    { name: 'kid is a URL to a key set the attacker serves', group: 'kid', token: await ownP256(header({ kid: 'https://attacker.example/jwks.json' })) },
    { name: 'kid missing, signed with the real key', group: 'kid', token: await sign({ alg: 'ES256', typ: 'at+jwt' }, claims()) },
    { name: 'kid of 200 characters', group: 'kid', token: await sign(header({ kid: 'k'.repeat(200) }), claims()) },
    { name: 'kid is a number', group: 'kid', token: await sign(header({ kid: 1 }), claims()) },
    { name: 'kid is the real one with a NUL byte appended', group: 'kid', token: await sign(header({ kid: `${kid}\u0000` }), claims()) },
  ];

  const attackerJwk = { ...attacker.p256.publicJwk, kid: 'attacker' };
  const keyHeaders: ForgedCase[] = [
    {
      name: 'jku pointing at an attacker key set',
      group: 'key-headers',
      token: await ownP256(header({ kid: 'attacker', jku: 'https://attacker.example/jwks.json' })),
    },
    {
      name: 'x5u pointing at an attacker certificate',
      group: 'key-headers',
      token: await ownP256(header({ kid: 'attacker', x5u: 'https://attacker.example/cert.pem' })),
    },
    { name: 'x5c carrying an attacker certificate chain', group: 'key-headers', token: await ownP256(header({ x5c: [b64(randomUUID())] })) },
    { name: 'embedded jwk of the attacker, no kid', group: 'key-headers', token: await ownP256({ alg: 'ES256', typ: 'at+jwt', jwk: attacker.p256.publicJwk }) },
    { name: 'embedded jwk of the attacker under the real kid', group: 'key-headers', token: await ownP256(header({ jwk: attackerJwk })) },
    { name: 'embedded jwk, signed with the real key', group: 'key-headers', token: await sign(header({ jwk: publicJwk }), claims()) },
  ];

  // Signed with the real key: only the claims (or the header's typ and crit) are wrong.
  const claimCases: ForgedCase[] = [
    { name: 'wrong iss', group: 'claims', token: await sign(header(), claims({ iss: 'https://attacker.example' })) },
    { name: 'iss with a trailing slash', group: 'claims', token: await sign(header(), claims({ iss: `${issuer}/` })) },
    { name: 'no iss', group: 'claims', token: await sign(header(), without('iss')) },
    { name: 'wrong aud', group: 'claims', token: await sign(header(), claims({ aud: 'another-api' })) },
    { name: 'aud list without ours', group: 'claims', token: await sign(header(), claims({ aud: ['another-api', `${audience}-x`] })) },
    { name: 'no aud', group: 'claims', token: await sign(header(), without('aud')) },
    { name: 'typ JWT (an ID token shape)', group: 'claims', token: await sign(header({ typ: 'JWT' }), claims()) },
    { name: 'no typ', group: 'claims', token: await sign({ alg: 'ES256', kid }, claims()) },
    { name: 'expired beyond the clock tolerance', group: 'claims', token: await sign(header(), claims({ iat: now - 3600, exp: now - 300 })) },
    { name: 'not yet valid (nbf in an hour)', group: 'claims', token: await sign(header(), claims({ nbf: now + 3600 })) },
    { name: 'exp a year away, past the longest an access token lives', group: 'claims', token: await sign(header(), claims({ exp: now + 365 * 86_400 })) },
    { name: 'iat an hour in the future', group: 'claims', token: await sign(header(), claims({ iat: now + 3600, exp: now + 3900 })) },
    { name: 'no exp', group: 'claims', token: await sign(header(), without('exp')) },
    { name: 'exp as a string', group: 'claims', token: await sign(header(), claims({ exp: String(now + 600) })) },
    { name: 'nbf as a string', group: 'claims', token: await sign(header(), claims({ nbf: String(now - 10) })) },
    { name: 'iat as a string', group: 'claims', token: await sign(header(), claims({ iat: String(now) })) },
    { name: 'exp overflowing to Infinity (1e400)', group: 'claims', token: await sign(header(), JSON.stringify(claims()).replace(/"exp":\d+/, '"exp":1e400')) },
    { name: 'no sub', group: 'claims', token: await sign(header(), without('sub')) },
    { name: 'no client_id', group: 'claims', token: await sign(header(), without('client_id')) },
    { name: 'no jti', group: 'claims', token: await sign(header(), without('jti')) },
    {
      name: 'crit naming an extension nobody understands',
      group: 'claims',
      token: await sign(header({ crit: ['cleave-bypass'], 'cleave-bypass': true }), claims()),
    },
  ];

  const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(claims())))
    .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', kid, typ: 'at+jwt' })
    .encrypt(await importJWK({ kty: publicJwk.kty, crv: publicJwk.crv, x: publicJwk.x, y: publicJwk.y } as JWK, 'ECDH-ES'));
  const padded = await sign(header(), claims({ padding: 'p'.repeat(9000) }));
  const format: ForgedCase[] = [
    { name: 'oversized: a validly signed token past 8 KiB', group: 'format', token: padded },
    { name: 'JWE encrypted to the public key where a JWS is expected', group: 'format', token: jwe },
    { name: 'refresh token used as an access token', group: 'format', token: refreshToken },
    { name: 'header that is not JSON', group: 'format', token: await sign('{"alg":"ES256",', claims()) },
    { name: 'payload that is not JSON', group: 'format', token: await sign(header(), 'not json') },
    { name: 'a valid token with its signature cut off', group: 'format', token: accessToken.split('.').slice(0, 2).join('.') },
    { name: 'four dot-separated parts', group: 'format', token: `${accessToken}.${realSignature}` },
    {
      name: 'flattened JWS JSON serialisation',
      group: 'format',
      token: JSON.stringify({ protected: accessToken.split('.')[0], payload: accessToken.split('.')[1], signature: realSignature }),
    },
  ];

  const presentation: ForgedCase[] = [
    { name: 'no Authorization header', group: 'presentation' },
    { name: 'Basic scheme with the client credentials', group: 'presentation', authorization: `Basic ${Buffer.from('cleave-web:').toString('base64')}` },
    { name: 'Basic scheme carrying the valid token', group: 'presentation', authorization: `Basic ${accessToken}` },
    { name: 'Token scheme', group: 'presentation', authorization: `Token ${accessToken}` },
    { name: 'DPoP scheme without a proof', group: 'presentation', authorization: `DPoP ${accessToken}` },
    { name: 'Bearer with no token', group: 'presentation', authorization: 'Bearer' },
    { name: 'Bearer and a tab before the token', group: 'presentation', authorization: `Bearer\t${accessToken}` },
    { name: 'Bearer with the token quoted', group: 'presentation', authorization: `Bearer "${accessToken}"` },
    { name: 'Bearer with two tokens', group: 'presentation', authorization: `Bearer ${accessToken}, Bearer ${accessToken}` },
    { name: 'Bearer with a second word after the token', group: 'presentation', authorization: `Bearer ${accessToken} admin` },
    // RFC 6750 §2.3 (query parameter) and §2.2 (form body) are not supported: the header is the only way in.
    { name: 'valid token in the access_token query parameter, no header', group: 'presentation', query: `?access_token=${accessToken}` },
  ];

  return [...none, ...hmac, ...wrongKey, ...kidCases, ...keyHeaders, ...claimCases, ...format, ...presentation];
}
