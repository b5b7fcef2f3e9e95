import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { productCreatedV1 } from '../../../modules/catalog/index.ts';
import { createBullmqBus } from '../../../platform/events/bullmq-bus.ts';
import { createConsumer, eventTables, subscribe, type EventBus } from '../../../platform/events/index.ts';
import type { TestDatabase, TestDatabaseHandle } from '../databases.ts';
import { testLogger } from '../test-host.ts';
import { testBullmqOptions, testRedisUrl } from './bus-kinds.ts';
import { openWorld, type World } from './world.ts';
import { deleteNamespace, redisPrefix } from '../redis-keys.ts';

/** The tables of the `probe` module, which keeps the inbox of the ghost consumers. */
export const probeTables = eventTables('probe');

type BullmqExtra = Parameters<typeof testBullmqOptions>[0]['bullmq'];

/** What a test of the BullMQ bus under faults works with; the fields are set before each test. */
export interface FaultsWorld {
  database: TestDatabaseHandle;
  world: World;
  /** This test's Redis key prefix (`cleave-test-…`), deleted after it. */
  namespace: string;
  /** The shared test Redis. */
  url: string;
  /** A BullMQ bus on this test's namespace (on `redisUrl` when given), 3 attempts, the world's dead letters. */
  bus(extra?: BullmqExtra, redisUrl?: string): EventBus;
  /**
   * A process hosting only `probe:ghost`, a second consumer of product-created in the probe module (or `<module>:ghost`
   * in a module of its own, with its own queues, keeping its inbox in the probe's table).
   */
  ghostBus(redisUrl?: string, module?: string): EventBus;
}

/**
 * Registers the hooks of a describe block that tests the BullMQ bus under faults on `testDatabase`: one world for the
 * block, a fresh Redis namespace per test, the world reset and the namespace deleted after each.
 */
export function useFaultsWorld(testDatabase: TestDatabase, lines?: Record<string, unknown>[]): FaultsWorld {
  const log = testLogger(lines);
  const faults: FaultsWorld = {
    database: undefined as unknown as TestDatabaseHandle,
    world: undefined as unknown as World,
    namespace: '',
    url: testRedisUrl ?? '',
    bus: (extra = {}, redisUrl) =>
      createBullmqBus(
        testBullmqOptions(
          { log, maxAttempts: 3, namespace: faults.namespace, deadLetters: faults.world.deadLetters, bullmq: extra, ...(redisUrl ? { redisUrl } : {}) },
          faults.url,
        ),
      ),
    ghostBus: (redisUrl, module = 'probe') => {
      const ghost = subscribe(productCreatedV1, 'ghost', async () => {});
      const b = faults.bus({}, redisUrl);
      b.subscribe(
        createConsumer({
          module,
          db: faults.database.db,
          tables: probeTables,
          deadLetters: faults.world.deadLetters,
          subscription: ghost,
          context: undefined,
          log,
          afterCommit: () => {},
        }),
      );
      return b;
    },
  };
  beforeAll(async () => {
    faults.database = await testDatabase.open();
    faults.world = await openWorld(faults.database, log);
  });
  beforeEach(() => {
    faults.namespace = `cleave-${redisPrefix()}`;
  });
  afterEach(async () => {
    await faults.world.reset();
    await deleteNamespace(faults.url, faults.namespace);
  });
  afterAll(() => faults.database.close());
  return faults;
}
