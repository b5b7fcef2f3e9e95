import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host } from '../../../platform/host/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../../../tests/support/databases.ts';
import { identityHost, tokenRequest, userToken, verifyWithPublishedKeys } from './support.ts';

const kidOf = (token: string) => decodeProtectedHeader(token).kid as string;

describe.each(testDatabases)('signing key rotation, on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  let replicaA: Host;
  let replicaB: Host;

  beforeAll(async () => {
    database = await testDatabase.open();
    // Two replicas over one database: they share keys through the identity schema, each with its own cache.
    const env = { IDENTITY_PASSWORD_GRANT: 'true', IDENTITY_KEY_ACTIVATION_DELAY: '1500ms', IDENTITY_KEY_CACHE: '200ms' };
    replicaA = await identityHost(database, env);
    replicaB = await identityHost(database, env);
  });
  afterAll(async () => {
    await replicaA?.stop();
    await replicaB?.stop();
    await database?.close();
  });

  const admin = async (host: Host, token: string) => host.app.request('/identity/v1/keys', { headers: { authorization: `Bearer ${token}` } });

  it('under load on two replicas, no request fails across rotations; old tokens keep verifying; new keys sign after their delay', async () => {
    const before = await userToken(replicaA, 'olga');
    const firstKid = kidOf(before);
    const statuses: number[] = [];
    const kids = new Set<string>();
    let running = true;
    const worker = async (i: number) => {
      while (running) {
        const host = i % 2 === 0 ? replicaA : replicaB;
        const other = i % 2 === 0 ? replicaB : replicaA;
        statuses.push((await admin(host, before)).status);
        // A token minted on one replica is used on the other, whatever key signed it.
        const fresh = await tokenRequest(host, { grant_type: 'password', client_id: 'cleave-web', username: 'olga', password: 'olga-demo-password' });
        statuses.push(fresh.response.status);
        if (fresh.response.status !== 200) continue;
        kids.add(kidOf(fresh.body.access_token as string));
        statuses.push((await admin(other, fresh.body.access_token as string)).status);
      }
    };
    const workers = [0, 1, 2, 3].map(worker);
    await new Promise((r) => setTimeout(r, 300));
    const rotation = (await (
      await replicaA.app.request('/identity/v1/keys/rotate', { method: 'POST', headers: { authorization: `Bearer ${before}` } })
    ).json()) as { kid: string; previous: string; signsFrom: string };
    expect(rotation.previous).toBe(firstKid);

    // Published at once (the other replica within its cache time), not signing until its time comes.
    await new Promise((r) => setTimeout(r, 300));
    const published = (await (await replicaB.app.request('/.well-known/jwks.json')).json()) as { keys: { kid: string }[] };
    expect(published.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([firstKid, rotation.kid]));
    expect(kidOf(await userToken(replicaB, 'olga'))).toBe(firstKid);

    await new Promise((r) => setTimeout(r, Date.parse(rotation.signsFrom) - Date.now() + 400));
    running = false;
    await Promise.all(workers);

    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(kids).toEqual(new Set([firstKid, rotation.kid]));
    expect(kidOf(await userToken(replicaA, 'olga'))).toBe(rotation.kid);
    expect(kidOf(await userToken(replicaB, 'olga'))).toBe(rotation.kid);
    // The token from before the rotation still verifies, by the published key set alone.
    await expect(verifyWithPublishedKeys(replicaB, before)).resolves.toBeTruthy();
    const keys = (await (await admin(replicaA, before)).json()) as { keys: { kid: string; status: string }[] };
    expect(keys.keys.map((k) => [k.kid, k.status])).toEqual([
      [firstKid, 'verifying'],
      [rotation.kid, 'active'],
    ]);
  }, 30_000);
});
