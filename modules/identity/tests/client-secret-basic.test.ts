import { describe, expect, it } from 'vitest';
import { testDatabases } from '../../../tests/support/databases.ts';
import { basic, identityHost, tokenRequest } from './support.ts';

describe('the bootstrap client’s secret through HTTP Basic, as curl -u sends it', () => {
  it('is accepted form-encoded (RFC 6749 §2.3.1) and as sent by clients that do not encode it (a base64 secret with +)', async () => {
    const database = await testDatabases[0]!.open();
    const secret = 'Ab+cd/ef+gh+ij/kl+mn+op/qr+st+uv==';
    const host = await identityHost(database, { IDENTITY_ADMIN_SECRET: secret });
    try {
      const raw = `Basic ${Buffer.from(`cleave-admin:${secret}`).toString('base64')}`;
      for (const authorization of [basic('cleave-admin', secret), raw]) {
        const { response, body } = await tokenRequest(host, { grant_type: 'client_credentials' }, { authorization });
        expect(response.status, JSON.stringify(body)).toBe(200);
      }
      const wrong = await tokenRequest(host, { grant_type: 'client_credentials' }, { authorization: basic('cleave-admin', secret.replace('Ab', 'Ac')) });
      expect(wrong.response.status).toBe(401);
    } finally {
      await host.stop();
      await database.close();
    }
  });
});
