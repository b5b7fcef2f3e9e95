import { AsyncLocalStorage } from 'node:async_hooks';
import type { Db, Tx } from '../db/index.ts';
import type { StoredResponse } from './tables.ts';
import type { Claim, IdempotencyStore } from './store.ts';

/** How a held effect transaction ends, once the answer is known. */
export type Outcome = { kind: 'commit'; response: StoredResponse } | { kind: 'rollback' } | { kind: 'commit-early' };

/**
 * The effect transaction of a keyed request, kept open after the use case's code ran, until the handler has
 * produced the answer: then the key's row gets the answer and everything commits together.
 */
export interface HeldTransaction {
  /** The connection (or pool) it runs on, to tell whether a module being called shares it. */
  connection: object;
  /** Set once the first transaction's code has run; until then a second one waits on `ready`. */
  tx: Tx | undefined;
  ready: Promise<void>;
  /** False once it committed early (a call to a module on the same embedded database needed the connection). */
  open: boolean;
  end(outcome: Outcome): Promise<void>;
}

/** A request carrying an `Idempotency-Key` that this process claimed, for the module that serves it. */
export interface KeyedScope {
  module: string;
  store: IdempotencyStore;
  claim: Claim;
  held: HeldTransaction | undefined;
}

const scopes = new AsyncLocalStorage<KeyedScope>();

/** Runs `fn` (the rest of the request) as the keyed request `scope`. */
export function runKeyed<T>(scope: KeyedScope, fn: () => Promise<T>): Promise<T> {
  return scopes.run(scope, fn);
}

/** The keyed request being served for `module`, if the current request is one. */
export function keyedScope(module: string): KeyedScope | undefined {
  const scope = scopes.getStore();
  return scope?.module === module ? scope : undefined;
}

/** Thrown inside a held transaction to roll it back; never leaves this module. */
const rollback = Symbol('rollback');

/** What a module transaction tells its host: when it begins (on its own connection) and once it committed. */
export interface TransactionHooks {
  /** `parent` is given for a savepoint that joins a held transaction. */
  begin(tx: Tx, parent?: Tx): void;
  /** After the commit; `tx` is the transaction that committed (a joined one's is the held one it joined). */
  committed(tx: Tx | undefined): void;
}

/**
 * `ModuleContext.transaction` for `module`: a plain transaction, except in a keyed request, where the first one is
 * held open after `fn` returns (its result goes back to the caller) until the request's answer is known, and later
 * ones join it (as savepoints). `hooks.committed` runs once the effect really committed.
 */
export function moduleTransaction<T>(module: string, db: Db, fn: (tx: Tx) => Promise<T>, hooks: TransactionHooks, connection: object = db): Promise<T> {
  const scope = keyedScope(module);
  if (!scope || (scope.held && !scope.held.open)) {
    let top: Tx | undefined;
    return db
      .transaction((tx) => {
        top = tx;
        hooks.begin(tx);
        return fn(tx);
      })
      .then((result) => {
        hooks.committed(top);
        return result;
      });
  }
  if (scope.held) {
    // Another transaction of this request is running or held: join it (a savepoint), once its code has run.
    const held = scope.held;
    return held.ready.then(() => {
      const parent = held.tx;
      if (!held.open || !parent) return moduleTransaction(module, db, fn, hooks, connection);
      return parent.transaction((savepoint) => {
        hooks.begin(savepoint, parent);
        return fn(savepoint);
      });
    });
  }
  return new Promise<T>((resolve, reject) => {
    let settle!: (outcome: Outcome) => void;
    const outcome = new Promise<Outcome>((r) => (settle = r));
    let markReady!: () => void;
    const held: HeldTransaction = { connection, tx: undefined, ready: new Promise((r) => (markReady = r)), open: true, end: async () => {} };
    const done = db.transaction(async (tx) => {
      hooks.begin(tx);
      let result: T;
      try {
        result = await fn(tx);
      } catch (error) {
        // Nothing is held: the transaction rolls back, and a later one of this request may hold.
        if (scope.held === held) scope.held = undefined;
        markReady();
        reject(error);
        throw error;
      }
      held.tx = tx;
      markReady();
      resolve(result);
      const end = await outcome;
      if (end.kind === 'rollback') throw rollback;
      if (end.kind === 'commit') await scope.store.complete(scope.claim, end.response, tx);
      else await scope.store.markApplied(scope.claim, tx);
    });
    held.end = async (end) => {
      settle(end);
      held.open = false;
      try {
        await done;
        if (end.kind !== 'rollback') hooks.committed(held.tx);
      } catch (error) {
        if (error !== rollback) throw error;
      }
    };
    scope.held = held;
    // A transaction that could not even start rejects here; later failures reach the caller through `end`.
    done.catch((error: unknown) => {
      if (held.tx) return;
      if (scope.held === held) scope.held = undefined;
      markReady();
      reject(error);
    });
  });
}

/**
 * The database a module's code sees as `ctx.db`: while the module's keyed request holds its effect transaction
 * open, that transaction (so reads see the request's own writes, and an embedded single-connection database does
 * not wait on itself); otherwise the database.
 */
export function scopedDb(module: string, db: Db): Db {
  return new Proxy(db, {
    get(target, property) {
      const tx = keyedScope(module)?.held;
      const source = (tx?.open ? tx.tx : undefined) ?? target;
      const value: unknown = Reflect.get(source, property);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(source) : value;
    },
  });
}

/**
 * Before this request calls a module whose database is the one its held transaction uses (embedded PGlite is a
 * single connection): commit the effect now, marking the key `applied`, so the callee can reach the database.
 */
export function commitBeforeCall(calleeConnection: object): Promise<void> | undefined {
  const held = scopes.getStore()?.held;
  // Only once the transaction's own code has run: a call made from inside it cannot be helped this way.
  // Nothing to wait for (the common case) answers synchronously: a call on the direct path pays no extra await.
  if (held?.open && held.tx && held.connection === calleeConnection) return held.end({ kind: 'commit-early' });
  return undefined;
}
