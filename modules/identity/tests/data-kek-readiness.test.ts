import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { testDatabases } from '../../../tests/support/databases.ts';
import { startTestHost } from '../../../tests/support/test-host.ts';
import { identityModule } from '../index.ts';

const kek = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;

describe('a host whose DATA_KEK cannot open identity’s data keys', () => {
  it('is not ready, and says why (it answered 500 to every sign-up and e-mail lookup while ready)', async () => {
    const database = await (testDatabases[0] as (typeof testDatabases)[number]).open();
    try {
      const first = await startTestHost({ database, modules: [identityModule], env: { DATA_KEK: kek('2026-12') } });
      try {
        const ready = await first.app.request('/health/ready');
        expect(ready.status).toBe(200);
      } finally {
        await first.stop();
      }
      // Restarted with another key-encryption key only (the old one dropped too early).
      const second = await startTestHost({ database, modules: [identityModule], env: { DATA_KEK: kek('2027-03') } });
      try {
        const ready = await second.app.request('/health/ready');
        expect(ready.status).toBe(503);
        const text = await ready.text();
        expect(text).toContain('data-keys');
        expect(text).toContain("DATA_KEK cannot open identity's data keys");
        expect(text).toContain('2026-12');
      } finally {
        await second.stop();
      }
    } finally {
      await database.close();
    }
  });
});
