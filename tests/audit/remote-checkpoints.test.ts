import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host } from '../../platform/host/index.ts';
import { identityElsewhere, type IdentityElsewhere } from '../support/identity-elsewhere.ts';
import { moduleClientSecret } from '../../platform/security/index.ts';
import { call, testConfig } from '../support/test-host.ts';
import { checkpoint, verify } from './support.ts';

/**
 * A module whose identity runs in another process gets its checkpoints signed over HTTP with its own module token,
 * and verifies them against the key history it fetches from there. Identity signs a module's own chain only.
 */
describe('audit checkpoints with identity in another process', () => {
  let hosts: IdentityElsewhere;
  let central: Host;
  let extracted: Host;

  beforeAll(async () => {
    hosts = await identityElsewhere();
    ({ central, extracted } = hosts);
  }, 60_000);
  afterAll(() => hosts?.stop());

  it("signs catalog's chain head with catalog's module token, and the chain verifies against identity's published history", async () => {
    await extracted.modules[0]?.audit.recordAll([{ action: 'catalog.test', outcome: 'success' }]);
    const made = await checkpoint(extracted, 'catalog');
    expect(made.created).toBe(true);
    expect(await verify(extracted, 'catalog')).toMatchObject({ ok: true, checkpoints: 1, lastCheckpointSeq: made.seq });
    // After a rotation the old checkpoint still verifies: the key history keeps retired public keys.
    expect((await call(central, 'POST', '/identity/v1/keys/rotate')).status).toBe(201);
    expect((await verify(extracted, 'catalog')).ok).toBe(true);
  });

  it('refuses to sign a chain for anyone but its module, operators included, and says so', async () => {
    const key = testConfig().identity.moduleClientKey as Uint8Array;
    const tokenResponse = await central.app.request('/identity/v1/token', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${btoa(`${encodeURIComponent('module:catalog')}:${encodeURIComponent(moduleClientSecret(key, 'catalog'))}`)}`,
      },
      body: 'grant_type=client_credentials',
    });
    const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
    const refused = await central.app.request('/identity/v1/audit/checkpoints', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ module: 'inventory', seq: 1, hash: 'a'.repeat(64) }),
    });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { code: string }).code).toBe('identity/checkpoint-not-yours');
    // Not for an operator either (the admin client holds every scope): operators' own actions are in the trail.
    const operator = await call(central, 'POST', '/identity/v1/audit/checkpoints', { module: 'catalog', seq: 1, hash: 'a'.repeat(64) });
    expect(operator.status).toBe(403);
  });
});
