import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import type { DatabaseHandle } from '../../platform/db/index.ts';
import { effects } from '../../tests/support/probe/schema.ts';

export type { Sample } from './measure.ts';

/**
 * The baseline: plain BullMQ, one queue, one worker of concurrency 1 (so jobs are handled in order, as Cleave keeps
 * order per key), each job one INSERT into the same table the probe consumer writes. No inbox, no outbox, no routing.
 * Events per second from the first job added to the last one handled.
 */
export async function rawBullmqBaseline(database: DatabaseHandle, redisUrl: string, events: number): Promise<number> {
  const prefix = `bench-raw-${randomUUID().slice(0, 8)}`;
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('raw', { connection, prefix, defaultJobOptions: { removeOnComplete: { age: 3600 } } });
  let handled = 0;
  let finished: () => void = () => {};
  const done = new Promise<void>((r) => (finished = r));
  const worker = new Worker(
    'raw',
    async (job) => {
      const data = job.data as { id: string; productId: string; sku: string };
      await database.db.insert(effects).values({ eventId: data.id, productId: data.productId, sku: data.sku, attempt: 1 });
      if (++handled === events) finished();
    },
    { connection, prefix, concurrency: 1 },
  );
  const started = performance.now();
  for (let i = 0; i < events; i += 500) {
    const chunk = Array.from({ length: Math.min(500, events - i) }, (_, j) => ({
      name: 'e',
      data: { id: randomUUID(), productId: randomUUID(), sku: `R-${i + j}` },
    }));
    await queue.addBulk(chunk);
  }
  await done;
  const perSecond = events / ((performance.now() - started) / 1000);
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  await database.db.execute(sql`truncate probe.effects`);
  return perSecond;
}
