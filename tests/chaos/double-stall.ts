import postgres from 'postgres';
import type { Member } from './topology.ts';
import { withPartitionQueues, type QueueScope } from './queues.ts';

/** How the double-stall case went; the checker then verifies that its event ended with exactly one effect. */
export interface DoubleStallReport {
  eventId: string | undefined;
  /** `dead-lettered`: as designed (EVENT_MAX_STALLS=1). `not-reached`: the steps did not play out within the deadlines. */
  outcome: 'dead-lettered' | 'not-reached';
  note: string;
}

export interface DoubleStallOptions {
  probe: Member;
  /** The probe's database, where the lock is taken. */
  probeDatabase: string;
  queues: QueueScope;
  /** How long each step may take (a process restart on a loaded machine takes seconds). */
  stepTimeoutMs: number;
  log: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `find` until it returns a value, or gives up after `timeoutMs`. */
async function poll<T>(find: () => Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = await find().catch(() => undefined);
    if (found !== undefined) return found;
    await sleep(250);
  }
  return undefined;
}

/**
 * The double-stall case, explicitly: a lock on `probe.effects` keeps the probe's handler from finishing, so its job
 * stays active; the probe is SIGKILLed while it holds the job, restarted, and killed again once the job is active in
 * the new process. The job must end in the probe's dead-letter store (EVENT_MAX_STALLS=1), not in BullMQ's failed set
 * where it would only expire. The lock is released at the end whatever happened.
 */
export async function runDoubleStall(options: DoubleStallOptions): Promise<DoubleStallReport> {
  const { probe, log } = options;
  const locker = postgres(options.probeDatabase, { max: 1, onnotice: () => {} });
  let release: () => void = () => {};
  const held = new Promise<void>((r) => (release = r));
  let transaction: Promise<unknown> = Promise.resolve();
  const locked = new Promise<void>((lockTaken, lockFailed) => {
    transaction = locker
      .begin(async (tx) => {
        await tx`lock table probe.effects in access exclusive mode`;
        lockTaken();
        await held;
      })
      .catch(lockFailed);
  });
  const activeJob = (stalls: number, eventId?: string) =>
    poll(
      () =>
        withPartitionQueues(options.queues, 'probe', async (queues) => {
          const active = (await Promise.all(queues.map((q) => q.getActive()))).flat();
          return active.find(
            (j) => j.stalledCounter === stalls && (eventId === undefined || (j.data as { envelope?: { id?: string } }).envelope?.id === eventId),
          );
        }),
      options.stepTimeoutMs,
    );
  const report = (eventId: string | undefined, outcome: DoubleStallReport['outcome'], note: string): DoubleStallReport => {
    log(`double stall: ${outcome} (${note})`);
    return { eventId, outcome, note };
  };
  try {
    await locked;
    const first = await activeJob(0);
    const eventId = (first?.data as { envelope?: { id?: string } } | undefined)?.envelope?.id;
    if (!first || !eventId) return report(undefined, 'not-reached', 'no probe job became active under the lock');
    log(`double stall: job ${first.id} is held by the probe under a lock; SIGKILL 1`);
    await probe.kill();
    await probe.start();
    if (!(await activeJob(1, eventId))) return report(eventId, 'not-reached', 'the job was not taken again after the first kill');
    log(`double stall: job ${first.id} is held again after one interruption; SIGKILL 2`);
    await probe.kill();
    await probe.start();
    const sql = postgres(options.probeDatabase, { max: 1, onnotice: () => {} });
    try {
      const letter = await poll(async () => {
        const rows = await sql<{ error: string }[]>`select error from probe.dead_letters where event_id = ${eventId}`;
        return rows[0];
      }, options.stepTimeoutMs);
      return letter ? report(eventId, 'dead-lettered', letter.error.slice(0, 120)) : report(eventId, 'not-reached', 'no dead letter within the step deadline');
    } finally {
      await sql.end({ timeout: 5 });
    }
  } finally {
    release();
    await transaction.catch(() => {});
    await locker.end({ timeout: 5 });
  }
}
