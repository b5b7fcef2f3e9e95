import type { JSONWebKeySet } from 'jose';
import type { CheckpointSigner } from '../audit/index.ts';
import type { ModuleAnswer, ModuleCall } from '../contracts/http-send.ts';

/**
 * The identity module's audit operations as the host reaches them, in this process or another, by their paths (as
 * the host reaches its token endpoint): signing a module's chain head with the module's own credentials, and reading
 * every public key identity ever signed with (retired ones too, for old checkpoints).
 */
export interface AuditIdentity {
  signer: CheckpointSigner;
  keys(): Promise<JSONWebKeySet>;
}

export interface AuditIdentityOptions {
  send: (module: string, call: ModuleCall) => Promise<ModuleAnswer>;
  /** Adds the calling module's token (named by `x-cleave-caller`). */
  withCredentials: (call: ModuleCall) => Promise<ModuleCall>;
}

export const checkpointsPath = '/identity/v1/audit/checkpoints';
export const auditKeysPath = '/identity/v1/audit/keys';

export function auditIdentity(options: AuditIdentityOptions): AuditIdentity {
  const json = async (call: ModuleCall): Promise<Record<string, unknown>> => {
    const answer = await options.send('identity', call);
    const text = answer.body === null ? '' : new TextDecoder().decode(answer.body);
    if (answer.status !== 200) throw new Error(`identity answered ${call.method} ${call.target} with ${answer.status}: ${text.slice(0, 200)}`);
    return JSON.parse(text) as Record<string, unknown>;
  };
  return {
    signer: {
      async sign(module, seq, hash) {
        const call = await options.withCredentials({
          method: 'POST',
          target: checkpointsPath,
          headers: { 'content-type': 'application/json', accept: 'application/json', 'x-cleave-caller': module },
          body: JSON.stringify({ module, seq, hash }),
        });
        const answer = await json(call);
        return { jws: String(answer.jws), kid: String(answer.kid) };
      },
    },
    keys: async () => (await json({ method: 'GET', target: auditKeysPath, headers: { accept: 'application/json' } })) as unknown as JSONWebKeySet,
  };
}
