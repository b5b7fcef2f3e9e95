import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases, type TestDatabaseHandle } from '../../tests/support/databases.ts';
import { createSecretBox } from '../security/index.ts';
import { SubjectErasedError } from './data-keys.ts';
import { createFieldEncryption } from './field-encryption.ts';
import { dataKeysByKek, rewrapDataKeys } from './rewrap.ts';
import { dataKeyTables } from './tables.ts';

const { dataKeys } = dataKeyTables('enc_test');
const kek = (id: string) => ({ id, key: randomBytes(32) });

describe.each(testDatabases)('field encryption, on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  const k1 = kek('k1');
  const k2 = kek('k2');

  beforeAll(async () => {
    database = await testDatabase.open();
    await database.db.execute(sql`create schema enc_test`);
    await database.db.execute(sql`create table enc_test.data_keys (
      id uuid primary key, subject text not null unique, kek_id text, wrapped_key text,
      created_at timestamptz not null default now(), shredded_at timestamptz)`);
  });
  afterAll(() => database?.close());

  it('seals per subject, opens in the same context only, and one key per subject even when made at once', async () => {
    const fields = createFieldEncryption(dataKeys, createSecretBox([k1]));
    const subject = randomUUID();
    const [a, b] = await Promise.all([
      database.db.transaction((tx) => fields.seal(tx, subject, 'ada@example.org', `email/${subject}`)),
      database.db.transaction((tx) => fields.seal(tx, subject, 'Ada Lovelace', `name/${subject}`)),
    ]);
    expect(a.split('.')[1]).toBe(b.split('.')[1]);
    expect(
      await fields.openAll(database.db, [
        { sealed: a, context: `email/${subject}` },
        { sealed: b, context: `name/${subject}` },
      ]),
    ).toEqual([
      { status: 'ok', value: 'ada@example.org' },
      { status: 'ok', value: 'Ada Lovelace' },
    ]);
    await expect(fields.open(database.db, a, `email/${randomUUID()}`)).rejects.toThrow();
  });

  it('a shredded subject key erases every copy: readers get `erased`, and nothing new is sealed for it', async () => {
    const fields = createFieldEncryption(dataKeys, createSecretBox([k1]));
    const subject = randomUUID();
    const sealed = await database.db.transaction((tx) => fields.seal(tx, subject, 'erase me', 'c'));
    expect(await database.db.transaction((tx) => fields.shred(tx, subject))).toBe(true);
    expect(await fields.open(database.db, sealed, 'c')).toEqual({ status: 'erased' });
    await expect(database.db.transaction((tx) => fields.seal(tx, subject, 'again', 'c'))).rejects.toBeInstanceOf(SubjectErasedError);
    expect(await database.db.transaction((tx) => fields.shred(tx, subject))).toBe(true);
  });

  it('a subject shredded before any key was made gets none later: an event about them still on its way seals nothing', async () => {
    const fields = createFieldEncryption(dataKeys, createSecretBox([k1]));
    const subject = randomUUID();
    expect(await database.db.transaction((tx) => fields.shred(tx, subject))).toBe(false);
    await expect(database.db.transaction((tx) => fields.seal(tx, subject, 'too late', 'c'))).rejects.toBeInstanceOf(SubjectErasedError);
  });

  it('the blind index is stable across instances and key-encryption key rotations', async () => {
    const first = await createFieldEncryption(dataKeys, createSecretBox([k1])).blindIndex(database.db, 'email', 'ada@example.org');
    const again = await createFieldEncryption(dataKeys, createSecretBox([k2, k1])).blindIndex(database.db, 'email', 'ada@example.org');
    expect(again).toBe(first);
  });

  it('rewrapping moves every live key under the new key-encryption key and every value still opens', async () => {
    const before = createFieldEncryption(dataKeys, createSecretBox([k1]));
    const sealed = await Promise.all(
      Array.from({ length: 7 }, async (_, i) => {
        const subject = randomUUID();
        return { subject, sealed: await database.db.transaction((tx) => before.seal(tx, subject, `value ${i}`, `c/${subject}`)) };
      }),
    );
    const box = createSecretBox([k2, k1]);
    const batches: number[] = [];
    const { rewrapped } = await rewrapDataKeys({
      db: database.db,
      table: dataKeys,
      box,
      currentKekId: 'k2',
      batchSize: 3,
      onBatch: (p) => batches.push(p.rewrapped),
    });
    expect(rewrapped).toBeGreaterThanOrEqual(7);
    expect(batches.length).toBeGreaterThanOrEqual(3);
    expect(Object.keys(await dataKeysByKek(database.db, dataKeys))).toEqual(['k2']);
    // Only the new key-encryption key is needed now.
    const after = createFieldEncryption(dataKeys, createSecretBox([k2]));
    for (const [i, s] of sealed.entries()) expect(await after.open(database.db, s.sealed, `c/${s.subject}`)).toEqual({ status: 'ok', value: `value ${i}` });
    expect((await rewrapDataKeys({ db: database.db, table: dataKeys, box, currentKekId: 'k2' })).rewrapped).toBe(0);
  });

  it('two rewraps at once share the work: each key is rewrapped by one of them, and every value still opens', async () => {
    const k3 = kek('k3');
    const before = createFieldEncryption(dataKeys, createSecretBox([k2, k1]));
    const sealed = [];
    for (let i = 0; i < 40; i++) {
      const subject = randomUUID();
      sealed.push({ subject, sealed: await database.db.transaction((tx) => before.seal(tx, subject, `v${i}`, `c/${subject}`)) });
    }
    const total = Object.values(await dataKeysByKek(database.db, dataKeys)).reduce((a, b) => a + b, 0);
    const box = createSecretBox([k3, k2, k1]);
    const runs = await Promise.all([1, 2].map(() => rewrapDataKeys({ db: database.db, table: dataKeys, box, currentKekId: 'k3', batchSize: 5 })));
    expect(runs.reduce((n, r) => n + r.rewrapped, 0)).toBe(total);
    expect(await dataKeysByKek(database.db, dataKeys)).toEqual({ k3: total });
    const after = createFieldEncryption(dataKeys, createSecretBox([k3]));
    for (const [i, s] of sealed.entries()) expect(await after.open(database.db, s.sealed, `c/${s.subject}`)).toEqual({ status: 'ok', value: `v${i}` });
  });
});
