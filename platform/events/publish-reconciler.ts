import type { Logger } from '../observability/index.ts';
import type { EventEnvelope } from './envelope.ts';
import type { SubscriptionEntry } from './subscription-table.ts';

/** How far apart the database's clock (dispatch times) and the hosts' (subscription table times) may be. */
export const clockSlackMs = 1000;

/** How many recent publishes are kept to check against the next read of the subscription table. */
const maxUnreconciled = 100_000;

/** An event owed to a subscription the table did not list yet when the event was routed. */
export interface OwedDelivery {
  envelope: EventEnvelope;
  entry: SubscriptionEntry;
}

export interface PublishReconcilerOptions {
  log: Logger;
  /** How old a publisher's copy of the subscription table may be. */
  refreshMs: number;
  /** Reads the subscription table again (see `SubscriptionTable.refresh`), which calls back `onRead`. */
  refresh: (force?: boolean) => Promise<void>;
  /** Sends what was owed, in publish order; a rejection fails the read, so nothing is routed by it until they are sent. */
  deliver: (owed: readonly OwedDelivery[]) => Promise<void>;
  closing: () => boolean;
}

export interface PublishReconciler {
  /** `at`: when the publish began (before it read the table), so a read that began later reconciles it. */
  remember(envelope: EventEnvelope, at: number): void;
  /** The subscription table's `onRead`: sends each remembered publish to the subscriptions the read added. */
  onRead(added: readonly SubscriptionEntry[], readAt: number): Promise<void>;
  /** Whether publishes are waiting for a read of the table. */
  readonly pending: boolean;
  stop(): void;
}

/**
 * What this process published since it last read the subscription table, routed by a copy up to `refreshMs` old: a
 * subscription registered meanwhile missed it. The next read (at the latest `refreshMs` after such a publish) sends
 * each of these to the subscriptions it adds that were registered by the time it was published. Bounded: past
 * `maxUnreconciled` the oldest are dropped, with a warning (the events audit still finds them).
 */
export function createPublishReconciler(options: PublishReconcilerOptions): PublishReconciler {
  const { log } = options;
  let unreconciled: { envelope: EventEnvelope; at: number }[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let droppedWarned = false;

  function schedule(delayMs: number): void {
    timer ??= setTimeout(function reconcile() {
      timer = undefined;
      if (options.closing() || unreconciled.length === 0) return;
      options.refresh().catch((error: unknown) => {
        log.debug({ err: error }, 'reading the subscription table to check recent events failed; trying again');
        schedule(options.refreshMs);
      });
    }, delayMs);
    timer.unref?.();
  }

  return {
    remember(envelope, at) {
      unreconciled.push({ envelope, at });
      if (unreconciled.length > maxUnreconciled) {
        unreconciled.splice(0, unreconciled.length - maxUnreconciled);
        if (!droppedWarned)
          log.warn(
            { kept: maxUnreconciled },
            'too many events published between reads of the subscription table to check them all against the next read; the oldest are not (events audit finds what a new subscription missed)',
          );
        droppedWarned = true;
      }
      schedule(options.refreshMs + 50);
    },
    async onRead(added, readAt) {
      const sent = added.length === 0 ? [] : unreconciled.filter((u) => u.at < readAt);
      const owed = sent.flatMap(({ envelope, at }) =>
        added
          .filter((e) => e.event === envelope.name && e.version === envelope.version && Date.parse(e.registeredAt) <= at + clockSlackMs)
          .map((entry) => ({ envelope, entry })),
      );
      await options.deliver(owed);
      if (owed.length > 0)
        log.info(
          { deliveries: owed.length, consumers: [...new Set(owed.map((o) => o.entry.consumer))] },
          'events published just before a subscription appeared were sent to it',
        );
      unreconciled = unreconciled.filter((u) => u.at >= readAt);
    },
    get pending() {
      return unreconciled.length > 0;
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
