import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JSONWebKeySet, JWK } from 'jose';
import { modules } from '../../apps/modules.ts';
import { identityRuntime } from '../../modules/identity/infrastructure/identity-runtime.ts';
import { createHost, type Host } from '../../platform/host/index.ts';
import type { TestDatabase } from '../support/databases.ts';
import { directCall } from '../support/direct-call.ts';
import { startProcessHost, type Runtime } from '../support/process-host.ts';
import { startTestHost, testConfig, testLogger } from '../support/test-host.ts';
import type { ForgeryMaterial } from './forged-tokens.ts';
import { webCryptoSignedToken } from './forging.ts';

export const issuer = 'https://id.test';
// Identity issues and checks the tokens; catalog's writes are the next protected targets.
const hosted = modules.filter((m) => ['identity', 'catalog'].includes(m.name));
const env = { IDENTITY_ISSUER: issuer, IDENTITY_PASSWORD_GRANT: 'true', IDENTITY_KEY_ACTIVATION_DELAY: '0', MODULES: hosted.map((m) => m.name).join(',') };

/** Sends a request as a client would: through the app in this process, or over HTTP to another process. */
export type Send = (path: string, init?: RequestInit) => Promise<Response>;

/** A running identity module under attack, with what a forger holds against it. */
export interface Server {
  send: Send;
  /** Whether refusals can carry `WWW-Authenticate` (not on the direct path, which speaks no HTTP). */
  challenges: boolean;
  material: ForgeryMaterial;
  stop(): Promise<void>;
}

export interface ServerKind {
  name: string;
  start(): Promise<Server>;
}

/** The host's real signing key, reached as identity reaches it: through its runtime in the module context. */
async function signingKeyOf(host: Host): Promise<Pick<ForgeryMaterial, 'issuer' | 'audience' | 'publicJwk' | 'sign'>> {
  const hosted = host.modules.find((m) => m.definition.name === 'identity');
  if (!hosted) throw new Error('identity is not hosted here');
  const { keys, settings } = identityRuntime(hosted.context).deps;
  const { kid, privateKey } = await keys.active();
  const publicJwk = (await keys.jwks()).keys.find((k) => k.kid === kid) as JWK & { kid: string };
  return { issuer: settings.issuer, audience: settings.audience, publicJwk, sign: (h, p) => webCryptoSignedToken(privateKey, h, p) };
}

/** olga's tokens (admin and profile scopes) from the password grant. */
async function userTokens(send: Send): Promise<{ accessToken: string; refreshToken: string }> {
  const body = new URLSearchParams({ grant_type: 'password', client_id: 'cleave-web', username: 'olga', password: 'olga-demo-password' });
  const response = await send('/identity/v1/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  const tokens = (await response.json()) as { access_token?: string; refresh_token?: string };
  if (!tokens.access_token || !tokens.refresh_token) throw new Error(`no tokens: ${response.status} ${JSON.stringify(tokens)}`);
  return { accessToken: tokens.access_token, refreshToken: tokens.refresh_token };
}

/** The published key set, as a verifier elsewhere would read it. */
export async function publishedKeys(send: Send): Promise<JSONWebKeySet> {
  return (await (await send('/.well-known/jwks.json')).json()) as JSONWebKeySet;
}

/** A direct call carrying what `init` says: the path a module client takes when its provider is in this process. */
function directSend(host: Host): Send {
  return async (path, init = {}) => {
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    const body = typeof init.body === 'string' && headers['content-type'] === 'application/json' ? (JSON.parse(init.body) as unknown) : undefined;
    // The token endpoint reads a form: only HTTP serves it.
    if (init.body !== undefined && body === undefined) return host.app.request(path, init);
    // A request without credentials is refused at the edge and never becomes a module's call (and `directCall` would
    // otherwise supply the test's admin token).
    if (headers.authorization === undefined) return host.app.request(path, init);
    return directCall(host, 'forged-token-suite', init.method ?? 'GET', path, body, headers);
  };
}

export function inProcess(testDatabase: TestDatabase, path: 'app' | 'direct'): ServerKind {
  return {
    name: path === 'app' ? `in-process through the app on ${testDatabase.name}` : `direct in-process calls on ${testDatabase.name}`,
    async start() {
      const database = await testDatabase.open();
      const host = await startTestHost({ database, modules: hosted, env });
      await host.seed();
      const send: Send = path === 'app' ? async (p, init) => host.app.request(p, init) : directSend(host);
      return {
        send,
        challenges: path === 'app',
        material: { ...(await signingKeyOf(host)), ...(await userTokens(send)) },
        async stop() {
          await host.stop();
          await database.close();
        },
      };
    },
  };
}

/**
 * A separate process over HTTP. Its PGlite directory is prepared here first (schema, demo users, signing key), so this
 * process holds the private key the other one signs with; the directory is closed before the other opens it.
 */
export function overHttp(runtime: Runtime): ServerKind {
  return {
    name: `separate ${runtime} process over HTTP`,
    async start() {
      const dataDir = mkdtempSync(join(tmpdir(), 'cleave-forged-'));
      const preparer = await createHost({ config: testConfig({ ...env, DATA_DIR: dataDir }), modules: hosted, logger: testLogger() });
      await preparer.seed();
      const key = await signingKeyOf(preparer);
      await preparer.stop();
      const child = await startProcessHost({ runtime, env: { ...env, DATA_DIR: dataDir } });
      const send: Send = (path, init) => fetch(`${child.url}${path}`, init);
      return {
        send,
        challenges: true,
        material: { ...key, ...(await userTokens(send)) },
        async stop() {
          await child.stop();
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    },
  };
}
