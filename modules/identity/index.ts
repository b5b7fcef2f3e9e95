/**
 * @module identity
 * The identity bounded context: users, OAuth clients, tokens and signing keys. Other modules import only this file: the
 * contract (for clients) and the module definition (for hosts). Not for verifying tokens: platform/security does that.
 */
export { identityModule } from './module.ts';
export { identityContract } from './contract/contract.ts';
export { userErased } from './contract/events.ts';
export { erasureConfirmation } from './application/erasure-confirmation.ts';
export { rotateSigningKeys } from './infrastructure/rotate-keys-command.ts';
export { signingKeyHistory } from './infrastructure/key-history.ts';
export type { TokenRequestForm, TokenResponseDto, ServerMetadataDto } from './contract/oauth.schemas.ts';
export type { NewUserInput, UserContactDto, UserDto } from './contract/users.schemas.ts';
