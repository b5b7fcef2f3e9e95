import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { asc, sql } from 'drizzle-orm';
import { catalogContract, productCreatedV1, productCreatedV2 } from '../../../modules/catalog/index.ts';
import { environmentSchema } from '../../../platform/config/schema.ts';
import { migrateSchema, type DatabaseHandle } from '../../../platform/db/index.ts';
import {
  consumerBatching,
  createConsumer,
  createDeadLetterStore,
  createOutbox,
  createRelay,
  eventTables,
  subscribe,
  type Consumer,
  type DeadLetterStore,
  type EventBus,
  type EventEnvelope,
  type Relay,
} from '../../../platform/events/index.ts';
import type { Logger } from '../../../platform/observability/index.ts';
import { effects } from '../probe/schema.ts';
import { retry } from './bus-kinds.ts';

const catalogMigrations = fileURLToPath(new URL('../../../migrations/catalog', import.meta.url));
const probeMigrations = fileURLToPath(new URL('../probe/migrations', import.meta.url));
const catalogTables = eventTables('catalog');
/** A host's default (`EVENT_INBOX_BATCH`). */
const defaultInboxBatch = environmentSchema.shape.EVENT_INBOX_BATCH.parse(undefined);
const probeTables = eventTables('probe');

/** Steers the recording handler from a test. */
export interface RecorderControls {
  /** The handler throws while this is above zero, counting down. */
  failuresLeft: number;
  /** Each delivery waits up to this long before it starts, to shuffle timing. */
  maxDelayMs: number;
  /** Every envelope the handler was called with, failed attempts included, in order. */
  calls: EventEnvelope[];
  /** While set, the handler of an event whose SKU starts with `HANG` waits for this promise (ignoring its signal). */
  hang: Promise<void> | undefined;
  /** While set, a delivery of an event whose SKU starts with `HOLD` waits for this before its transaction begins. */
  hold: Promise<void> | undefined;
  /** Ids of the deliveries that waited on `hold`, one entry per delivery. */
  held: string[];
  /** Called when the handler starts on an event (benchmarks time commit → handler with it). */
  onCall: ((envelope: EventEnvelope) => void) | undefined;
}

/** A process of a conformance test: its bus, the catalog relay (the publisher) and, when it consumes, the probe consumer. */
export interface TestProcess {
  bus: EventBus;
  /** Resolves once the bus has started (subscriptions registered) and the relay runs. */
  ready: Promise<void>;
  relay: Relay;
  consumer: Consumer | undefined;
  stop(): Promise<void>;
}

/**
 * The catalog module publishing `catalog.product-created` through its outbox, and the probe module consuming it
 * with an inbox, dead letters and one `effects` row per handling, all over one database.
 */
export interface World {
  database: DatabaseHandle;
  controls: RecorderControls;
  /** What each delivery to a probe consumer came to, in order: the inbox's verdict, and which process had it. */
  outcomes: { eventId: string; outcome: 'handled' | 'duplicate'; process: string | undefined }[];
  deadLetters: DeadLetterStore;
  /** Builds what one process would run; `consume` subscribes the probe consumer to its bus. */
  startProcess(
    bus: EventBus,
    options: {
      relay: boolean;
      consume: boolean;
      leaseMs?: number;
      maxInFlight?: number;
      name?: string;
      version?: 1 | 2;
      /** Most deliveries per consumer transaction (default: a host's, 32); 1 handles each alone. */
      inboxBatch?: number;
      /**
       * Writes go through this process's relay as a host's module transactions do: tracked, their rows claimed as
       * written and handed to the bus at commit, with no wake of the relays (default false: writes wake every relay).
       */
      handoff?: boolean;
      /** The relay's sweep period (default 50 ms). */
      sweepMs?: number;
      /** The relay's `exclusive` option: only relay of the outbox, one transaction at a time (PGlite, as a host has it). */
      exclusive?: boolean;
    },
  ): TestProcess;
  /** Commits a product-created event of aggregate `key` to the catalog outbox, and wakes the running relays. */
  write(key: string, sku: string): Promise<EventEnvelope>;
  /** Commits one in a transaction no relay tracks, and wakes none: a write only a claim pass finds. */
  writeUntracked(key: string, sku: string): Promise<EventEnvelope>;
  /**
   * Commits the product-created events of `writes` in one transaction (a `savepoint` entry in a savepoint of it,
   * which rolls back alone when `rollBack` is set), as a host's module transaction does: through the relay of the
   * process started with `handoff`, if there is one. Resolves with the envelopes that committed.
   */
  writeMany(writes: { key: string; sku: string; savepoint?: boolean; rollBack?: boolean }[]): Promise<EventEnvelope[]>;
  /** Commits a product-created event in version 2, the version catalog publishes now (consumers of v1 get it converted). */
  writeV2(key: string, sku: string): Promise<EventEnvelope>;
  /** Publishes an event in a transaction that then rolls back. */
  writeAndRollBack(key: string, sku: string): Promise<void>;
  effects(): Promise<(typeof effects.$inferSelect)[]>;
  outboxRows(): Promise<(typeof catalogTables.outbox.$inferSelect)[]>;
  /** Marks every outbox row undispatched again, as if the relay had crashed before recording the dispatch. */
  forgetDispatches(): Promise<void>;
  /** Stops every process and empties the tables, between tests. */
  reset(): Promise<void>;
}

/** Thrown to roll a savepoint back on purpose; made once (an `Error` per write would cost the benchmark its stack). */
const savepointRolledBack = new Error('savepoint rolled back on purpose');

/** Migrates the catalog and probe schemas into `database` and returns the world over it. */
export async function openWorld(database: DatabaseHandle, log: Logger): Promise<World> {
  const { db } = database;
  await migrateSchema(db, 'catalog', catalogMigrations);
  await migrateSchema(db, 'probe', probeMigrations);
  const controls: RecorderControls = { failuresLeft: 0, maxDelayMs: 0, calls: [], hang: undefined, hold: undefined, held: [], onCall: undefined };
  const handoffs = new Map<TestProcess, Relay>();
  const handoffRelay = (): Relay | undefined => handoffs.values().next().value;
  const outbox = createOutbox(catalogTables, 'catalog', undefined, { claimFor: (tx) => handoffRelay()?.claimFor(tx) });
  const deadLetters = createDeadLetterStore('probe', db, probeTables);
  const processes = new Set<TestProcess>();
  const outcomes: World['outcomes'] = [];
  const record = async (payload: { productId: string; sku: string }, envelope: EventEnvelope) => {
    controls.onCall?.(envelope);
    controls.calls.push(envelope);
    if (controls.hang && payload.sku.startsWith('HANG')) await controls.hang;
    if (controls.failuresLeft > 0) {
      controls.failuresLeft -= 1;
      throw new Error('recorder told to fail');
    }
    const attempt = controls.calls.filter((e) => e.id === envelope.id).length;
    return attempt;
  };
  // The same handler (so the same consumer id and inbox) on either version of the event.
  const subscriptions = {
    1: subscribe(productCreatedV1, 'record', async (payload, { tx, envelope }) => {
      const attempt = await record(payload, envelope);
      await tx.insert(effects).values({ eventId: envelope.id, productId: payload.productId, sku: payload.sku, attempt });
    }),
    2: subscribe(productCreatedV2, 'record', async (payload, { tx, envelope }) => {
      const attempt = await record(payload, envelope);
      await tx.insert(effects).values({ eventId: envelope.id, productId: payload.productId, sku: `v2:${payload.sku}`, attempt });
    }),
  };
  const wakeAll = () => processes.forEach((p) => p.relay.wake());
  const payload = (key: string, sku: string) => ({ productId: key, sku, name: `Product ${sku}`, price: { amount: 100, currency: 'EUR' } });

  const world: World = {
    database,
    controls,
    outcomes,
    deadLetters,
    startProcess(bus, options) {
      const relay = createRelay({
        db,
        tables: catalogTables,
        bus,
        log,
        sweepMs: options.sweepMs ?? 50,
        leaseMs: options.leaseMs ?? 5000,
        retry,
        events: catalogContract.events,
        ...(options.maxInFlight ? { maxInFlight: options.maxInFlight } : {}),
        exclusive: options.exclusive === true,
      });
      const subscription = subscriptions[options.version ?? 1];
      const batching = consumerBatching(database.kind, options.inboxBatch ?? defaultInboxBatch);
      const base = createConsumer({
        module: 'probe',
        db,
        tables: probeTables,
        deadLetters,
        subscription,
        context: undefined,
        log,
        batching,
        afterCommit: () => {},
      });
      const consumer: Consumer | undefined = options.consume
        ? {
            ...base,
            async deliver(envelope, signal) {
              // Before the transaction: PGlite runs one transaction at a time, which would hide any reordering.
              if (controls.maxDelayMs > 0) await new Promise((r) => setTimeout(r, Math.random() * controls.maxDelayMs));
              if (controls.hold && (envelope.payload as { sku: string }).sku.startsWith('HOLD')) {
                controls.held.push(envelope.id);
                await controls.hold;
              }
              const outcome = await base.deliver(envelope, signal);
              outcomes.push({ eventId: envelope.id, outcome, process: options.name });
              return outcome;
            },
          }
        : undefined;
      if (consumer) bus.subscribe(consumer);
      // As a host does: subscriptions are registered before the relay routes by them.
      const ready = bus.start().then(() => {
        if (options.relay && processes.has(node)) relay.start();
      });
      const node: TestProcess = {
        bus,
        ready,
        relay,
        consumer,
        async stop() {
          processes.delete(node);
          handoffs.delete(node);
          await ready;
          // As the host does: the bus first, so that a delivery still retrying gives up and its relay can stop.
          await bus.close();
          await relay.stop();
        },
      };
      processes.add(node);
      if (options.handoff) handoffs.set(node, relay);
      return node;
    },
    async write(key, sku) {
      const relay = handoffRelay();
      if (relay) return (await world.writeMany([{ key, sku }]))[0] as EventEnvelope;
      const envelope = await world.writeUntracked(key, sku);
      wakeAll();
      return envelope;
    },
    writeUntracked: (key, sku) => db.transaction((tx) => outbox.publish(tx, productCreatedV1, payload(key, sku))),
    async writeMany(writes) {
      const relay = handoffRelay();
      let top: object | undefined;
      const envelopes = await db.transaction(async (tx) => {
        top = tx;
        relay?.track(tx);
        const committed: EventEnvelope[] = [];
        for (const write of writes) {
          if (!write.savepoint) {
            committed.push(await outbox.publish(tx, productCreatedV1, payload(write.key, write.sku)));
            continue;
          }
          const envelope = await tx
            .transaction(async (savepoint) => {
              relay?.track(savepoint, tx);
              const written = await outbox.publish(savepoint, productCreatedV1, payload(write.key, write.sku));
              if (write.rollBack) throw savepointRolledBack;
              return written;
            })
            .catch((error: unknown) => {
              if (error !== savepointRolledBack) throw error;
              return undefined;
            });
          if (envelope) committed.push(envelope);
        }
        return committed;
      });
      if (relay) relay.committed(top);
      else wakeAll();
      return envelopes;
    },
    async writeV2(key, sku) {
      const { price, ...rest } = payload(key, sku);
      const envelope = await db.transaction((tx) => outbox.publish(tx, productCreatedV2, { ...rest, description: '', listPrice: price }));
      wakeAll();
      return envelope;
    },
    async writeAndRollBack(key, sku) {
      const rolledBack = new Error('rolled back on purpose');
      await db
        .transaction(async (tx) => {
          await outbox.publish(tx, productCreatedV1, payload(key, sku));
          throw rolledBack;
        })
        .catch((error: unknown) => {
          if (error !== rolledBack) throw error;
        });
      wakeAll();
    },
    effects: () => db.select().from(effects).orderBy(asc(effects.seq)),
    outboxRows: () => db.select().from(catalogTables.outbox).orderBy(asc(catalogTables.outbox.seq)),
    async forgetDispatches() {
      await db
        .update(catalogTables.outbox)
        .set({ dispatchedAt: null, claimedUntil: null })
        .where(sql`true`);
      wakeAll();
    },
    async reset() {
      await Promise.all([...processes].map((p) => p.stop()));
      await db.execute(sql`truncate catalog.outbox, probe.inbox, probe.effects, probe.dead_letters restart identity`);
      Object.assign(controls, { failuresLeft: 0, maxDelayMs: 0, calls: [], hang: undefined, hold: undefined, held: [], onCall: undefined });
      outcomes.length = 0;
    },
  };
  return world;
}

/** A fresh aggregate key. */
export const newKey = (): string => randomUUID();
