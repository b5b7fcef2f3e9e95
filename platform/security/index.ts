/**
 * @module platform/security
 * Zero trust for every module: who is calling (principals from verified tokens or host-issued module handles), access
 * token verification per RFC 8725/9068, sealing secrets. Not for issuing tokens: the identity module does that.
 */
export { hasScopes, moduleSubject } from './principal.ts';
export type { Principal } from './principal.ts';
export { acceptedAlgorithms, createTokenVerifier, InvalidTokenError } from './token-verifier.ts';
export type { TokenVerifier, TokenVerifierOptions } from './token-verifier.ts';
export { createSecretBox } from './secret-box.ts';
export type { KeyEncryptionKey, SecretBox } from './secret-box.ts';
export { endUserOf } from './principal.ts';
export { createCallerHandles, moduleClientId, moduleClientSecret } from './module-credentials.ts';
export type { CallerHandle, CallerHandles } from './module-credentials.ts';
