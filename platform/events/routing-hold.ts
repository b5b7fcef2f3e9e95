import type { Logger } from '../observability/index.ts';
import type { EventEnvelope } from './envelope.ts';
import { RoutingPausedError, type SubscriptionEntry, type SubscriptionTable } from './subscription-table.ts';

/** A consumer expected to run in another process: its events are held until its module registers. */
export interface AwaitedSubscription {
  event: string;
  version: number;
  /** `<module>:<handler>`. */
  consumer: string;
  module: string;
}

export interface RoutingHoldOptions {
  /** The subscriptions of modules the host's topology runs elsewhere (from the build's module definitions). */
  awaited: readonly AwaitedSubscription[];
  /**
   * The modules whose events this process publishes (those it hosts): at start, an awaited module that consumes one
   * of their events and has not registered is named at once (readiness, one warning), not at its first held event.
   */
  publishers?: readonly string[] | undefined;
  table: SubscriptionTable;
  log: Logger;
  /** How often the table is read while routing is paused or events wait for a module. */
  refreshMs: number;
  closing: () => boolean;
  /** Told when routing that refused events works again (the table is back, or a waited-for module registered). */
  onResumed?: (() => void) | undefined;
}

/**
 * Holds an event a module expected elsewhere consumes while no host of that module has registered its subscriptions:
 * routing by the table alone would mark it dispatched to the consumers known so far, and the module, once it starts,
 * would never get it. A module with a subscription in the table is routed by the table (its host runs, and may run an
 * older build without this consumer: a subscription deployed later gets the events published from then on). While
 * anything is held (or the table is missing), the table is read every `refreshMs` to notice the end and say so.
 */
export function createRoutingHold(options: RoutingHoldOptions) {
  const { table, log } = options;
  const awaited = new Map<string, AwaitedSubscription[]>();
  for (const a of options.awaited) awaited.set(`${a.event}@v${a.version}`, [...(awaited.get(`${a.event}@v${a.version}`) ?? []), a]);
  /**
   * Modules whose events are held (or, once `expect` found them unregistered, will be) because no host of theirs has
   * registered yet, as the last checks found, with the event types held for them.
   */
  const waitingFor = new Map<string, Set<string>>();
  let watching: ReturnType<typeof setTimeout> | undefined;

  /** `module` has not registered: the events of `subscriptions` wait for it (said once per module until it does). */
  function wait(module: string, subscriptions: readonly AwaitedSubscription[]): void {
    const events = waitingFor.get(module);
    if (events) {
      for (const a of subscriptions) events.add(a.event);
      return;
    }
    waitingFor.set(module, new Set(subscriptions.map((a) => a.event)));
    log.warn(
      { module, consumers: subscriptions.map((a) => a.consumer) },
      'events for a module that runs elsewhere wait in the outbox until a host of it registers its subscriptions',
    );
  }

  /** Each module of `missing` waits for its subscriptions there; returns the modules. */
  function waitAll(missing: readonly AwaitedSubscription[]): string[] {
    const modules = [...new Set(missing.map((a) => a.module))];
    for (const module of modules)
      wait(
        module,
        missing.filter((a) => a.module === module),
      );
    return modules;
  }

  function resumed(module: string): void {
    if (!waitingFor.delete(module)) return;
    log.info({ module }, 'events for a module that runs elsewhere flow again: a host of it registered its subscriptions');
    options.onResumed?.();
  }

  function watch(): void {
    if (watching || options.closing()) return;
    watching = setTimeout(() => {
      watching = undefined;
      if (options.closing()) return;
      const wasPaused = table.paused !== undefined;
      table.refresh().then(
        () => {
          if (wasPaused) options.onResumed?.();
          if (waitingFor.size > 0) watch();
        },
        () => watch(),
      );
    }, options.refreshMs);
    watching.unref?.();
  }

  return {
    /** Reads the table again every `refreshMs` until routing works (after a RoutingPausedError). */
    watch,
    /**
     * At start: the awaited modules that consume an event of a module published here and have not registered, marked
     * as waiting at once (readiness names them, one warning each), and the table read until they show up.
     */
    async expect(): Promise<void> {
      const publishers = new Set(options.publishers ?? []);
      const owed = options.awaited.filter((a) => publishers.has(eventModule(a.event)));
      if (owed.length === 0) return;
      const registered = await table.modules();
      const missing = owed.filter((a) => !registered.has(a.module));
      waitAll(missing);
      if (missing.length > 0) watch();
    },
    /** Modules a read of the table found registered. */
    registered(modules: Iterable<string>): void {
      for (const module of new Set(modules)) resumed(module);
    },
    /** Rejects with {@link RoutingPausedError} while `envelope` is owed to a module no host of which has registered. */
    async check(envelope: EventEnvelope, routed: readonly { entry: SubscriptionEntry }[], consumer: string | undefined): Promise<void> {
      const here = new Set(routed.map((r) => r.entry.consumer));
      const expected = (awaited.get(`${envelope.name}@v${envelope.version}`) ?? []).filter((a) => consumer === undefined || a.consumer === consumer);
      for (const a of expected) if (here.has(a.consumer)) resumed(a.module);
      const unrouted = expected.filter((a) => !here.has(a.consumer));
      if (unrouted.length === 0) return;
      const registered = await table.modules();
      for (const a of unrouted) if (registered.has(a.module)) resumed(a.module);
      const missing = unrouted.filter((a) => !registered.has(a.module));
      if (missing.length === 0) return;
      watch();
      const modules = waitAll(missing);
      throw new RoutingPausedError(
        `${envelope.name} v${envelope.version} waits in the outbox for ${modules.join(', ')} (hosted elsewhere) to register ` +
          `its subscriptions (${missing.map((a) => a.consumer).join(', ')}): no host of it has started yet`,
      );
    },
    /**
     * Why events wait, while any do: all of them, or (given `publisher`) only those of that module's events, so a
     * module's readiness names what holds its own events.
     */
    waiting(publisher?: string): string | undefined {
      const modules = [...waitingFor].filter(([, events]) => publisher === undefined || [...events].some((e) => eventModule(e) === publisher)).map(([m]) => m);
      if (modules.length === 0) return undefined;
      return `events for ${modules.join(', ')} (hosted elsewhere) wait in the outbox until a host of it registers its subscriptions`;
    },
    stop(): void {
      clearTimeout(watching);
    },
  };
}

/** The module an event type belongs to: its name's first part (`catalog` of `catalog.product-created`). */
function eventModule(event: string): string {
  return event.slice(0, event.indexOf('.'));
}
