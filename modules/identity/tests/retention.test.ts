import { randomUUID } from 'node:crypto';
import { inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host, HostedModule } from '../../../platform/host/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../../../tests/support/databases.ts';
import { authorizationCodes, refreshTokens } from '../infrastructure/schema.ts';
import { identityHost } from './support.ts';

describe.each(testDatabases)('identity retention, on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  let host: Host;
  let identity: HostedModule;

  beforeAll(async () => {
    database = await testDatabase.open();
    host = await identityHost(database);
    const hosted = host.modules.find((m) => m.definition.name === 'identity');
    if (!hosted) throw new Error('identity is not hosted');
    identity = hosted;
  });
  afterAll(async () => {
    await host?.stop();
    await database?.close();
  });

  it('refresh tokens and authorization codes go a day after they expired; live and recently expired ones stay', async () => {
    const userId = randomUUID();
    const ago = (hours: number) => new Date(Date.now() - hours * 3_600_000);
    const token = (expiresAt: Date) => ({
      id: randomUUID(),
      tokenHash: randomUUID(),
      familyId: randomUUID(),
      clientId: 'cleave-web',
      userId,
      scope: 'profile',
      expiresAt,
    });
    const [old, recent, live] = [token(ago(30)), token(ago(2)), token(ago(-24))];
    await database.db.insert(refreshTokens).values([old, recent, live]);
    const code = (expiresAt: Date) => ({
      codeHash: randomUUID(),
      clientId: 'cleave-web',
      userId,
      redirectUri: 'https://id.test/cb',
      codeChallenge: 'x',
      scope: 'profile',
      expiresAt,
    });
    const [oldCode, newCode] = [code(ago(25)), code(ago(0.5))];
    await database.db.insert(authorizationCodes).values([oldCode, newCode]);

    const runs = await identity.retention.run();
    expect(runs).toContainEqual({ table: 'refresh_tokens', action: 'delete', rows: 1 });
    expect(runs).toContainEqual({ table: 'authorization_codes', action: 'delete', rows: 1 });
    const tokens = await database.db
      .select({ id: refreshTokens.id })
      .from(refreshTokens)
      .where(inArray(refreshTokens.id, [old.id, recent.id, live.id]));
    expect(tokens.map((t) => t.id).sort()).toEqual([recent.id, live.id].sort());
    const codes = await database.db.execute(sql`select code_hash from identity.authorization_codes where user_id = ${userId}`);
    expect(JSON.stringify(codes)).toContain(newCode.codeHash);
    expect(JSON.stringify(codes)).not.toContain(oldCode.codeHash);
  });
});
