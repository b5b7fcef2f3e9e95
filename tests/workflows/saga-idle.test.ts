import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { afterEach, describe, expect, it } from 'vitest';
import { createSagaRunner, defineSaga, step, type SagaRunner } from '../../platform/sagas/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../support/databases.ts';
import { eventually, testLogger } from '../support/test-host.ts';
import { startSagaHost } from './support/saga-host.ts';

/**
 * A runner told that only its process writes the module's sagas (a host's own embedded database) does not poll: with
 * nothing due it sleeps until the next saga is due, and a saga whose step is retried later is taken up when its
 * retry is due.
 */
describe.each(testDatabases)('an exclusive saga runner on $name', { timeout: 120_000 }, (testDatabase) => {
  let database: TestDatabaseHandle | undefined;
  let runner: SagaRunner | undefined;
  afterEach(async () => {
    await runner?.stop();
    runner = undefined;
    await database?.close();
    database = undefined;
  });

  it('claims nothing while nothing is due, and drives a retried step when its retry is due', async () => {
    database = await testDatabase.open();
    // The trips module's migrations make its saga tables.
    await (await startSagaHost(database)).stop();
    let attempts = 0;
    const saga = defineSaga({
      name: 'idle-probe',
      input: z.object({}),
      pointOfNoReturn: 'only',
      steps: [
        step('only', {
          invoke: async () => {
            attempts += 1;
            if (attempts < 3) throw new Error('not yet');
            return 'done';
          },
          timeoutMs: 1000,
        }),
      ],
      timings: { pollMs: 50, leaseMs: 3000, retryBaseMs: 300, retryMaxMs: 600, invokeAttempts: 5 },
    });
    // Its safety-net poll (two minutes) is longer than the test waits: the retries must come from the due times.
    const exclusiveRunner = createSagaRunner({
      module: 'trips',
      db: database.db,
      sagas: [saga],
      log: testLogger(),
      audit: undefined as never,
      context: () => undefined,
      exclusive: { idlePollMs: 120_000 },
    });
    runner = exclusiveRunner;
    let claims = 0;
    const claim = exclusiveRunner.store.claim.bind(exclusiveRunner.store);
    exclusiveRunner.store.claim = (...args) => ((claims += 1), claim(...args));
    exclusiveRunner.run();
    await eventually(() => expect(claims).toBe(1));
    // A polling runner would have looked 20 times (every 50 ms).
    await new Promise((r) => setTimeout(r, 1000));
    expect(claims).toBe(1);

    const id = randomUUID();
    await database.db.transaction((tx) => exclusiveRunner.start(tx, saga, {}, { id }));
    // What the host does after a module transaction that started a saga commits.
    exclusiveRunner.wake();
    await eventually(async () => expect((await exclusiveRunner.store.get(database!.db, id))?.state).toBe('completed'), 60_000);
    expect(attempts).toBe(3);
    const history = await exclusiveRunner.store.history(id);
    expect(history.filter((e) => e.action === 'invoke').map((e) => e.outcome)).toEqual(['failed', 'failed', 'succeeded']);
  });
});
