import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateSchema, openDatabase, type DatabaseHandle } from '../../platform/db/index.ts';
import { wrapContext } from '../../platform/encryption/data-keys.ts';
import { createFieldEncryption, dataKeysByKek, sealField } from '../../platform/encryption/index.ts';
import { createSecretBox } from '../../platform/security/index.ts';
import { profileContext } from '../../modules/identity/application/user-profile.ts';
import { dataKeys, users } from '../../modules/identity/infrastructure/schema.ts';
import { createScratchDatabase, postgresUrl } from '../support/databases.ts';
import { createTempDir } from '../support/temp-dir.ts';
import { processTestTimeoutMs } from '../support/timeouts.ts';
import { toolArgv } from '../support/tool-bundles.ts';

const command = resolve('apps/reencrypt-data-keys.ts');
const migrations = fileURLToPath(new URL('../../migrations/identity', import.meta.url));
// The tool goes through every module that keeps data keys; notifications' keys table is there, empty.
const notificationsMigrations = fileURLToPath(new URL('../../migrations/notifications', import.meta.url));
const subjects = 2000;
const oldKek = { id: 'old', key: randomBytes(32) };
const newKek = { id: 'new', key: randomBytes(32) };
const b64 = (k: { id: string; key: Uint8Array }) => `${k.id}:${Buffer.from(k.key).toString('base64')}`;

interface Target {
  name: string;
  /** Where the command finds the database, as settings. */
  env: Record<string, string>;
  open(): Promise<DatabaseHandle>;
  drop(): Promise<void>;
}

async function pgliteTarget(): Promise<Target> {
  const dir = createTempDir('reencrypt');
  return {
    name: 'pglite',
    env: { DATA_DIR: dir },
    open: () => openDatabase({ dataDir: dir }),
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function postgresTarget(url: string): Promise<Target> {
  const scratch = await createScratchDatabase(url);
  // Seeded by the test's own (owner) connection, so the command connects the same way rather than as identity's role.
  return { name: 'postgres', env: { DATABASE_URL: scratch.url, DATABASE_ROLES: 'false' }, open: () => openDatabase({ url: scratch.url }), drop: scratch.drop };
}

/**
 * Runs `npm run keys:reencrypt` as an operator would (`--offline` on PGlite, which is refused on PostgreSQL); `killWhen`
 * SIGKILLs it as soon as its output matches (a progress line), whatever it is doing then.
 */
function reencrypt(
  target: Target,
  args: string[],
  killWhen?: RegExp,
  offline = target.name === 'pglite',
  settings: Record<string, string> = {},
): Promise<{ code: number | null; signal: string | null; output: string }> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATA_KEK: `${b64(newKek)},${b64(oldKek)}`,
    DATABASE_URL: '',
    TEST_DATABASE_URL: '',
    TEST_REDIS_URL: '',
    ...target.env,
    ...settings,
  };
  return new Promise((done) => {
    const child = spawn(process.execPath, [...toolArgv(command), ...(offline ? ['--offline'] : []), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let output = '';
    const take = (chunk: Buffer) => {
      output += chunk.toString();
      if (killWhen?.test(output)) child.kill('SIGKILL');
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.once('exit', (code, signal) => done({ code, signal, output }));
  });
}

const serverUrl = postgresUrl;
const targets: (() => Promise<Target>)[] = [pgliteTarget, ...(serverUrl ? [() => postgresTarget(serverUrl)] : [])];

describe.each(targets.map((open, i) => ({ open, name: i === 0 ? 'pglite' : 'postgres' })))('keys:reencrypt on $name', ({ open }) => {
  let target: Target;
  const original = new Map<string, { key: Buffer; email: string; subject: string }>();

  beforeAll(async () => {
    target = await open();
    const handle = await target.open();
    try {
      await migrateSchema(handle.db, 'identity', migrations);
      await migrateSchema(handle.db, 'notifications', notificationsMigrations);
      const box = createSecretBox([oldKek]);
      const keyRows = [];
      const userRows = [];
      for (let i = 0; i < subjects; i++) {
        const subject = randomUUID();
        const id = randomUUID();
        const key = randomBytes(32);
        const email = `user${i}@example.org`;
        original.set(id, { key, email, subject });
        keyRows.push({ id, subject, kekId: oldKek.id, wrappedKey: box.seal(key, wrapContext(id, subject)) });
        const sealed = sealField({ id, key }, email, profileContext.row('email', subject));
        userRows.push({ id: subject, username: `user-${i}`, passwordHash: 'not used', roles: [], email: sealed });
      }
      for (let i = 0; i < subjects; i += 250) {
        await handle.db.insert(dataKeys).values(keyRows.slice(i, i + 250));
        await handle.db.insert(users).values(userRows.slice(i, i + 250));
      }
    } finally {
      await handle.close();
    }
  }, processTestTimeoutMs);

  afterAll(() => target?.drop());

  it(
    'SIGKILLed half-way and run again: every key under the new KEK exactly once, every row readable, none lost',
    async () => {
      // Throttled (50 keys a batch, 100 ms apart: 40 batches, 4 s at least), and killed on its first progress line.
      const killed = await reencrypt(target, ['--batch-size', '50', '--pause-ms', '100'], /batch \d+, \d+ rewrapped/);
      expect(killed.signal, killed.output).toBe('SIGKILL');

      let handle = await target.open();
      const halfway = await dataKeysByKek(handle.db, dataKeys);
      await handle.close();
      // Some but not all keys moved: the kill landed half-way.
      expect(halfway.new ?? 0, JSON.stringify(halfway)).toBeGreaterThanOrEqual(50);
      expect(halfway.old ?? 0, JSON.stringify(halfway)).toBeGreaterThan(0);
      expect((halfway.new ?? 0) + (halfway.old ?? 0)).toBe(subjects);

      const rerun = await reencrypt(target, ['--batch-size', '500']);
      expect(rerun.code, rerun.output).toBe(0);
      expect(rerun.output).toContain(`identity: ${halfway.old} data keys to rewrap under new`);
      expect(rerun.output).toContain(`done, ${halfway.old} rewrapped`);

      handle = await target.open();
      try {
        expect(await dataKeysByKek(handle.db, dataKeys)).toEqual({ new: subjects });
        const rows = await handle.db.select().from(dataKeys);
        expect(rows).toHaveLength(subjects);
        // Only the new KEK is given now: each key unwraps, once, to the very bytes it held; each e-mail still opens.
        const newOnly = createSecretBox([newKek]);
        for (const row of rows) {
          const before = original.get(row.id);
          expect(row.wrappedKey?.split('.')[1]).toBe('new');
          expect(newOnly.open(row.wrappedKey as string, wrapContext(row.id, row.subject)).equals(before?.key as Buffer)).toBe(true);
        }
        const fields = createFieldEncryption(dataKeys, newOnly);
        const stored = await handle.db.select().from(users);
        expect(stored).toHaveLength(subjects);
        const opened = await fields.openAll(
          handle.db,
          stored.map((u) => ({ sealed: u.email as string, context: profileContext.row('email', u.id) })),
        );
        expect(opened.map((o) => (o.status === 'ok' ? o.value : 'erased')).sort()).toEqual([...original.values()].map((o) => o.email).sort());
      } finally {
        await handle.close();
      }

      // A third run finds nothing left to do.
      const idle = await reencrypt(target, ['--dry-run']);
      expect(idle.code, idle.output).toBe(0);
      expect(idle.output).toContain(`identity: 0 data keys to rewrap under new ({"new":${subjects}})`);
    },
    processTestTimeoutMs,
  );

  it(
    'a wrong key given for a KEK id: the rewrap names the data key and KEK it cannot open, and the check after it finds keys under the current id that do not open; exit 1, nothing changed',
    async () => {
      const wrongBytes = { id: 'new', key: randomBytes(32) };
      // Moving on to a newer KEK with the wrong bytes for "new", under which every key now is.
      const moving = await reencrypt(target, [], undefined, undefined, { DATA_KEK: `${b64({ id: 'newer', key: randomBytes(32) })},${b64(wrongBytes)}` });
      expect(moving.code, moving.output).toBe(1);
      expect(moving.output).toMatch(
        /data key [0-9a-f-]{36} is wrapped under key-encryption key "new", which DATA_KEK cannot open it with: the key given for "new" is not the one/,
      );
      // The current id itself with the wrong bytes: nothing to rewrap, and the check says the keys do not open.
      const current = await reencrypt(target, [], undefined, undefined, { DATA_KEK: b64(wrongBytes) });
      expect(current.code, current.output).toBe(1);
      expect(current.output).toContain(`identity: ${subjects} data key(s) under "new" do not open with DATA_KEK`);
      expect(current.output).not.toContain('every data key opens');
      const handle = await target.open();
      try {
        expect(await dataKeysByKek(handle.db, dataKeys)).toEqual({ new: subjects });
      } finally {
        await handle.close();
      }
      const right = await reencrypt(target, []);
      expect(right.code, right.output).toBe(0);
      expect(right.output).toContain('identity: every data key opens with new');
    },
    processTestTimeoutMs,
  );

  it(
    'refuses bad usage with exit code 2: a module without data keys, a bad batch size, embedded PGlite without --offline, PostgreSQL with it',
    async () => {
      const notEncrypting = await reencrypt(target, ['--module', 'catalog']);
      expect(notEncrypting.code).toBe(2);
      expect(notEncrypting.output).toContain('no module with data keys named catalog');
      expect((await reencrypt(target, ['--batch-size', '0'])).code).toBe(2);
      for (const args of [
        ['--batch-size', '0x10'],
        ['--batch-size', '5', '--batch-size', '6'],
        ['--pause-ms', ' 5 '],
        ['--pause-ms', ''],
      ]) {
        const refused = await reencrypt(target, args);
        expect(refused.code, args.join(' ')).toBe(2);
        expect(refused.output).toMatch(/^keys:reencrypt: --(batch-size|pause-ms) (must be a whole number|given more than once)/m);
      }
      if (target.name === 'pglite') {
        const online = await reencrypt(target, [], undefined, false);
        expect(online.code).toBe(2);
        expect(online.output).toContain('pass --offline');
      } else {
        const offline = await reencrypt(target, [], undefined, true);
        expect(offline.code).toBe(2);
        expect(offline.output).toContain('--offline is for embedded PGlite');
      }
    },
    processTestTimeoutMs,
  );
});
