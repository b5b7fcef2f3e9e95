import type { Context } from 'hono';
import type { AppEnv } from '../../../platform/http/index.ts';
import type { Principal } from '../../../platform/security/index.ts';
import { authenticateCaller, requireScopes } from '../application/authenticate-caller.ts';
import type { IdentityRuntime } from './identity-runtime.ts';

/**
 * The verified caller of a protected identity operation, holding `scopes`. A refusal carries `WWW-Authenticate:
 * Bearer` with the RFC 6750 error (set before the error is thrown, so the problem response keeps it).
 */
export async function callerOf(c: Context<AppEnv>, runtime: IdentityRuntime, scopes: readonly string[] = []): Promise<Principal> {
  try {
    return requireScopes(await authenticateCaller(runtime.verifier, c.req.header('authorization')), scopes);
  } catch (error) {
    const details = (error as { details?: { error?: string } }).details;
    const params = [
      'realm="cleave"',
      ...(details?.error ? [`error="${details.error}"`] : []),
      ...(details?.error === 'insufficient_scope' ? [`scope="${scopes.join(' ')}"`] : []),
    ];
    c.header('www-authenticate', `Bearer ${params.join(', ')}`);
    throw error;
  }
}
