import process from 'node:process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBullmqBus } from '../../platform/events/bullmq-bus.ts';
import { eventJobId, type DeadLetter } from '../../platform/events/index.ts';
import { testBullmqOptions, testPartitions, testRedisUrl, withModuleQueues } from '../support/buses/bus-kinds.ts';
import { newKey, openWorld, type World } from '../support/buses/world.ts';
import { postgresTestDatabase, type TestDatabaseHandle } from '../support/databases.ts';
import { lockTable } from '../support/table-lock.ts';
import { startProcessHost, type ProcessHost } from '../support/process-host.ts';
import { eventually, testLogger } from '../support/test-host.ts';
import { deleteNamespace, redisPrefix } from '../support/redis-keys.ts';

const log = testLogger();
const enabled = Boolean(testRedisUrl && postgresTestDatabase);
if (!enabled) process.stdout.write('\n  Stalled jobs: needs TEST_DATABASE_URL and TEST_REDIS_URL (consumers in their own processes); SKIPPED.\n');

/**
 * A consumer slowed by a lock held on its table, and its process killed with SIGKILL twice while it holds the job:
 * BullMQ's default would move the job to its failed set after the second stall, with the outbox row already marked
 * dispatched, so the event would vanish. Here it must end in the consumer's dead-letter store, and be replayable.
 */
describe.skipIf(!enabled)('a job whose worker dies twice while holding it', () => {
  let database: TestDatabaseHandle;
  let world: World;
  const namespace = `cleave-${redisPrefix()}`;
  const children: ProcessHost[] = [];
  const redisUrl = testRedisUrl ?? '';

  beforeAll(async () => {
    database = await (postgresTestDatabase as NonNullable<typeof postgresTestDatabase>).open();
    world = await openWorld(database, log);
  });
  afterAll(async () => {
    for (const child of children) await child.kill();
    await world.reset();
    await database.close();
    await deleteNamespace(redisUrl, namespace);
  });

  const consumerProcess = async () => {
    const child = await startProcessHost({
      entry: 'tests/support/probe/main.ts',
      env: {
        MODULES: 'probe,identity',
        DATABASE_URL: database.url ?? '',
        DATABASE_ROLES: 'false',
        REDIS_URL: redisUrl,
        REDIS_PREFIX: namespace,
        REGISTRY: 'false',
        EVENT_MAX_STALLS: '1',
        EVENT_MAX_ATTEMPTS: '1000',
        EVENT_HANDLER_TIMEOUT_MS: '2000',
        EVENT_RETRY_BASE_MS: '100',
        EVENT_RETRY_MAX_MS: '500',
        EVENT_PARTITIONS: String(testPartitions),
        EVENT_PARTITION_LEASE_MS: '1500',
        DB_STATEMENT_TIMEOUT_MS: '1500',
      },
    });
    children.push(child);
    return child;
  };

  /** The job of `eventId`, once it is active (held by a worker) with `stalls` interruptions behind it. */
  const activeWith = (eventId: string, stalls: number) =>
    eventually(
      () =>
        withModuleQueues(namespace, redisUrl, 'probe', async (queues) => {
          const jobs = await Promise.all(queues.map((q) => q.getJob(eventJobId(eventId, 'probe:record', 1))));
          const job = jobs.find(Boolean);
          expect(await job?.getState()).toBe('active');
          expect(job?.stalledCounter).toBe(stalls);
        }),
      60_000,
    );

  it('ends in the dead-letter store after the second kill, and is replayed once the lock is gone', { timeout: 180_000 }, async () => {
    const lock = await lockTable(database.url ?? '', 'probe.effects');
    try {
      const first = await consumerProcess();
      world.startProcess(createBullmqBus(testBullmqOptions({ log, maxAttempts: 3, namespace, deadLetters: world.deadLetters }, redisUrl)), {
        relay: true,
        consume: false,
      });
      const envelope = await world.write(newKey(), 'STALL-1');

      await activeWith(envelope.id, 0);
      await first.kill();
      const second = await consumerProcess();
      await activeWith(envelope.id, 1);
      await second.kill();
      const third = await consumerProcess();

      const letter = await eventually(async () => {
        const response = await third.fetch('/ops/dead-letters');
        const { items } = (await response.json()) as { items: DeadLetter[] };
        expect(items).toHaveLength(1);
        return items[0] as DeadLetter;
      }, 60_000);
      expect(letter).toMatchObject({ consumer: 'probe:record', eventId: envelope.id, attempts: 2 });
      expect(letter.error).toContain('interrupted 2 times');

      // (The effects table can be read only once the lock is gone.)
      await lock.release();
      expect(await world.effects()).toHaveLength(0);
      const replay = await third.fetch(`/ops/dead-letters/${letter.id}/replay`, { method: 'POST' });
      expect(await replay.json()).toEqual({ id: letter.id, outcome: 'handled' });
      expect((await world.effects()).map((e) => e.eventId)).toEqual([envelope.id]);
      // Nothing is left in BullMQ's failed set, where it would only have expired.
      const failed = await withModuleQueues(namespace, redisUrl, 'probe', (queues) => Promise.all(queues.map((q) => q.getFailedCount())));
      expect(failed.reduce((a, b) => a + b, 0)).toBe(0);
    } finally {
      await lock.release();
    }
  });
});
