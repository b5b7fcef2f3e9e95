import type { Logger } from '../observability/index.ts';
import type { AuditEntry, AuditLog } from './audit-log.ts';

/** Refusals waiting to be written, by the module whose trail gets them. */
export interface DenialQueue {
  /** Queues a refusal; never waits and never throws. Beyond the queue's capacity it is counted, not kept. */
  push(module: string, entry: AuditEntry): void;
  /** Writes what is queued (tests, shutdown). */
  flush(): Promise<void>;
  readonly dropped: number;
  readonly queued: number;
}

export interface DenialQueueOptions {
  logs: (module: string) => AuditLog | undefined;
  capacity: number;
  log: Logger;
  /** Entries per transaction. */
  batchSize?: number;
}

/**
 * A refused request has no transaction of its own to write its entry in, and a flood of them must not cost the host
 * a database round trip each. They are queued in memory, bounded, and written in batches (one transaction and one
 * chain-head lock per batch and module), after the answer has gone. What overflows is counted, and the count is
 * written as a `platform.audit-denials-dropped` entry, so the trail shows that it is incomplete and by how much.
 */
export function createDenialQueue(options: DenialQueueOptions): DenialQueue {
  const batchSize = options.batchSize ?? 500;
  const queue: { module: string; entry: AuditEntry }[] = [];
  const droppedBy = new Map<string, number>();
  let dropped = 0;
  let writing: Promise<void> | undefined;
  let again = false;

  async function writeAll(): Promise<void> {
    while (queue.length > 0 || droppedBy.size > 0) {
      const batch = queue.splice(0, batchSize);
      const byModule = new Map<string, AuditEntry[]>();
      for (const { module, entry } of batch) byModule.set(module, [...(byModule.get(module) ?? []), entry]);
      for (const [module, count] of droppedBy) {
        const entries = byModule.get(module) ?? [];
        entries.push({
          action: 'platform.audit-denials-dropped',
          outcome: 'failure',
          detail: { count },
          actorUser: null,
          actorClient: null,
          actorModule: null,
        });
        byModule.set(module, entries);
      }
      droppedBy.clear();
      for (const [module, entries] of byModule) {
        const log = options.logs(module);
        if (!log) continue;
        const failure = await log.recordAll(entries).then(
          () => undefined,
          (error: unknown) => error,
        );
        if (failure === undefined) continue;
        // One entry the database refuses must not cost the others theirs: written one by one, only what fails again is lost.
        let lost = 0;
        let last: unknown = failure;
        if (entries.length > 1)
          for (const entry of entries)
            await log.recordAll([entry]).catch((error: unknown) => {
              lost += 1;
              last = error;
            });
        else lost = 1;
        if (lost === 0) continue;
        dropped += lost;
        options.log.error({ err: last, module, lost }, 'audit entries of refused requests could not be written');
      }
    }
  }

  function schedule(): void {
    if (writing) {
      again = true;
      return;
    }
    writing = new Promise<void>((resolve) => setImmediate(resolve)).then(writeAll).finally(() => {
      writing = undefined;
      if (again) {
        again = false;
        schedule();
      }
    });
  }

  return {
    push(module, entry) {
      if (queue.length >= options.capacity) {
        dropped += 1;
        droppedBy.set(module, (droppedBy.get(module) ?? 0) + 1);
      } else queue.push({ module, entry });
      schedule();
    },
    async flush() {
      while (writing || queue.length > 0 || droppedBy.size > 0) {
        if (!writing) schedule();
        await writing;
      }
    },
    get dropped() {
      return dropped;
    },
    get queued() {
      return queue.length;
    },
  };
}
