import { randomBytes } from 'node:crypto';
import process from 'node:process';
import postgres from 'postgres';
import { openDatabase, type DatabaseHandle } from '../../platform/db/index.ts';
import { openTestPglite } from './pglite-image.ts';

/** An open test database; `url` is set for PostgreSQL, so a test can open more connections to it. */
export type TestDatabaseHandle = DatabaseHandle & { url?: string };

export interface TestDatabase {
  name: 'pglite' | 'postgres';
  /** A fresh, empty database; closing it drops it (PostgreSQL) or discards it (PGlite). */
  open(): Promise<TestDatabaseHandle>;
}

/** The PostgreSQL server tests may use, when TEST_DATABASE_URL is set. */
export const postgresUrl = process.env.TEST_DATABASE_URL;
/** The Redis tests may use, when TEST_REDIS_URL is set. */
export const redisUrl = process.env.TEST_REDIS_URL;

const pglite: TestDatabase = { name: 'pglite', open: openTestPglite };

/** Creates an empty database on the server of `url` and returns its URL and a function that drops it. */
export async function createScratchDatabase(url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `cleave_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const target = new URL(url);
  target.pathname = `/${name}`;
  return {
    url: target.toString(),
    async drop() {
      const dropper = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await dropper.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

/** A throw-away database on the TEST_DATABASE_URL server, so test files never see each other's rows. */
async function openPostgresDatabase(url: string): Promise<TestDatabaseHandle> {
  const scratch = await createScratchDatabase(url);
  const handle = await openDatabase({ url: scratch.url, maxConnections: 20 });
  return {
    ...handle,
    url: scratch.url,
    async close() {
      await handle.close();
      await scratch.drop();
    },
  };
}

/** The databases a database-touching suite runs against: PGlite always, PostgreSQL when TEST_DATABASE_URL is set. */
export const testDatabases: TestDatabase[] = [pglite, ...(postgresUrl ? [{ name: 'postgres' as const, open: () => openPostgresDatabase(postgresUrl) }] : [])];

export const postgresTestDatabase: TestDatabase | undefined = testDatabases.find((d) => d.name === 'postgres');
