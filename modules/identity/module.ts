import { fileURLToPath } from 'node:url';
import { defineModule, type ModuleContext } from '../../platform/host/index.ts';
import { identityContract } from './contract/contract.ts';
import { identityRoutes } from './infrastructure/identity.routes.ts';
import { identityRequiredSettings, identityRuntime } from './infrastructure/identity-runtime.ts';
import { seedIdentity } from './infrastructure/seed.ts';
import { emailIndexOf } from './application/user-profile.ts';

/** Demo accounts with known passwords and the web client, with the rest of the demo data (DEMO_DATA); never in production. */
async function seed(ctx: ModuleContext): Promise<void> {
  if (ctx.config.env === 'production') {
    ctx.log.warn('identity loads no demo accounts with NODE_ENV=production (their passwords are public)');
    return;
  }
  const lines = await seedIdentity(identityRuntime(ctx).deps, ctx.config.identity.issuer);
  // Printed once, on the start that created them; the passwords are in the source, so this reveals nothing new.
  if (lines.length > 0) ctx.log.info(lines.join('\n'));
}

export const identityModule = defineModule({
  name: 'identity',
  version: '1.0.0',
  owner: 'team-platform-security',
  costCentre: 'cc-1300-platform',
  // Writes include the token endpoint and sign-up, which hash passwords with scrypt (about 0.1 to 0.3 s by design).
  slos: {
    read: { availability: 0.999, latency: { thresholdSeconds: 0.1, objective: 0.99 } },
    write: { availability: 0.999, latency: { thresholdSeconds: 1, objective: 0.99 } },
  },
  description: 'Users, clients and tokens: the OAuth 2.0 authorization server (RFC 6749, 7636, 7009, 8414, 9068).',
  contract: identityContract,
  migrations: fileURLToPath(new URL('../../migrations/identity', import.meta.url)),
  data: {
    users: {
      // Sensitive, not only personal: it holds the password hashes.
      classification: 'sensitive',
      subject: 'id',
      retention: { indefinite: 'while the account exists; erasure on request shreds its data key' },
      legalBasis: 'Contract (GDPR Art. 6(1)(b)): the account the person signed up for and signs in with.',
      columns: {
        email: { category: 'personal', protection: 'encrypted' },
        email_index: { category: 'personal', protection: 'blind-index' },
        display_name: { category: 'personal', protection: 'encrypted' },
        // The sign-in name: looked up on every sign-in and unique, so kept in the clear (users choose it; it need not
        // identify them). Erasure must replace it rather than rely on the shredded key.
        username: { category: 'personal', protection: 'plain' },
        password_hash: { category: 'sensitive', protection: 'hashed' },
      },
    },
    erasures: {
      classification: 'personal',
      subject: 'user_id',
      // Proof the request was carried out (GDPR Art. 5(2)); the erased account is named by its id only.
      retention: { indefinite: 'kept as the record that the account was erased' },
      legalBasis: 'Legal obligation (GDPR Art. 6(1)(c), Art. 17 and 5(2)): recording erasure requests and their completion.',
      columns: { user_id: { category: 'personal', protection: 'plain' } },
    },
    erasure_confirmations: {
      classification: 'internal',
      // Counts per table and the module's name: no personal data, kept as long as the erasure record it completes.
      retention: { indefinite: 'kept with the erasure record it completes' },
      legalBasis: 'Legal obligation (GDPR Art. 5(2)): demonstrating that each module carried out the erasure.',
    },
    clients: {
      classification: 'sensitive',
      retention: { indefinite: 'while the client is registered' },
      legalBasis: 'Not personal data: OAuth client registrations, whose secrets are kept for security of processing (GDPR Art. 32).',
      columns: { secret_hash: { category: 'sensitive', protection: 'hashed' } },
    },
    refresh_tokens: {
      classification: 'sensitive',
      subject: 'user_id',
      // Kept until a day after it expires (REFRESH_TOKEN_TTL, 14 days): a spent or revoked one is still there to
      // detect its replay while it could have been used.
      retention: '1d',
      agedBy: 'expires_at',
      legalBasis: 'Contract (GDPR Art. 6(1)(b)): keeping the person signed in; replay detection for security (Art. 32).',
      columns: { token_hash: { category: 'sensitive', protection: 'hashed' } },
    },
    authorization_codes: {
      classification: 'sensitive',
      subject: 'user_id',
      // A code lives a minute; gone a day after it expired.
      retention: '1d',
      agedBy: 'expires_at',
      legalBasis: 'Contract (GDPR Art. 6(1)(b)): signing the person in to a client they chose.',
      columns: { code_hash: { category: 'sensitive', protection: 'hashed' } },
    },
    signing_keys: {
      classification: 'sensitive',
      retention: { indefinite: 'retired public keys stay to verify tokens and audit checkpoints signed with them' },
      legalBasis: "Not personal data: the service's token signing keys, sealed with IDENTITY_KEK (GDPR Art. 32).",
      columns: { private_jwk: { category: 'sensitive', protection: 'encrypted' } },
    },
    // A keyed sign-up's stored answer shows the address and display name in the clear for IDEMPOTENCY_KEY_TTL.
    idempotency_keys: {
      classification: 'personal',
      retention: '24h',
      legalBasis: 'Contract (GDPR Art. 6(1)(b)): answering a retried request as the first time.',
      columns: { response_body: { category: 'personal', protection: 'plain' } },
    },
  },
  requires: identityRequiredSettings,
  routes: identityRoutes,
  health: (ctx) => [
    {
      name: 'signing-key',
      // Reads and unseals the active key: a wrong IDENTITY_KEK shows here, not on the first token request.
      check: async () => `kid ${(await identityRuntime(ctx).deps.keys.active()).kid}`,
    },
    {
      name: 'data-keys',
      // Opens the module's blind-index key with DATA_KEK: a key-encryption key that cannot open the data keys shows
      // here (not ready), not as a 500 on every sign-up, e-mail lookup and profile read.
      check: async () => {
        try {
          await emailIndexOf(identityRuntime(ctx).deps, 'readiness@check.invalid');
        } catch (error) {
          throw new Error(`DATA_KEK cannot open identity's data keys: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
        }
        return 'data keys open with DATA_KEK';
      },
    },
  ],
  seed,
});
