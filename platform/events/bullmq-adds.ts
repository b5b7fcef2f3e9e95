import { setImmediate } from 'node:timers';
import type { Queue } from 'bullmq';

type BulkJobs<T> = Parameters<Queue<T>['addBulk']>[0];

interface Batch<T> {
  name: string;
  queue: Queue<T>;
  jobs: BulkJobs<T>;
  waiters: { done: () => void; failed: (error: unknown) => void }[];
}

/**
 * Gathers the jobs that concurrent publishes add to each queue within one turn of the event loop and adds them with
 * one `addBulk` per queue: a relay starting many dispatches at once (or many writers committing) costs one round trip
 * per queue instead of one per event. Every caller's promise settles with its batch; a batch that fails is reported
 * once (`failed`) and fails all its callers. Order within a queue is publish order.
 */
export function createJobAdder<T>(failed: (name: string, queue: Queue<T>, error: unknown) => void) {
  const pending = new Map<Queue<T>, Batch<T>>();
  let scheduled = false;

  function flush(): void {
    scheduled = false;
    const batches = [...pending.values()];
    pending.clear();
    for (const batch of batches)
      batch.queue.addBulk(batch.jobs).then(
        () => {
          for (const w of batch.waiters) w.done();
        },
        (error: unknown) => {
          failed(batch.name, batch.queue, error);
          for (const w of batch.waiters) w.failed(error);
        },
      );
  }

  return {
    /** Adds `jobs` to `queue` (called `name`) with the next batch; resolves once Redis has them. */
    add(name: string, queue: Queue<T>, jobs: BulkJobs<T>): Promise<void> {
      return new Promise<void>((done, fail) => {
        let batch = pending.get(queue);
        if (!batch) {
          batch = { name, queue, jobs: [], waiters: [] };
          pending.set(queue, batch);
        }
        batch.jobs.push(...jobs);
        batch.waiters.push({ done, failed: fail });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    /** Sends what is gathered now (closing). */
    flush,
  };
}
