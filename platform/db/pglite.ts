import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { PGlite, types, type QueryOptions, type Transaction } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { lockDataDirWhenFree } from './data-dir-lock.ts';
import type { DatabaseHandle, Db } from './database.ts';
import { instrument, queryTracing, type QueryTracing } from './query-spans.ts';

const asText = (value: string) => value;
/**
 * The parsers drizzle passes with every query: dates, times and intervals (and their arrays: numeric[], timestamp[],
 * timestamptz[], interval[], date[]) stay text, drizzle's columns map them.
 */
const textParsers = Object.fromEntries(
  [types.TIMESTAMP, types.TIMESTAMPTZ, types.INTERVAL, types.DATE, 1231, 1115, 1185, 1187, 1182].map((oid) => [oid, asText]),
);

/** Drops per-query parsers that are the ones the client already has. */
function lean(options: QueryOptions | undefined): QueryOptions | undefined {
  if (!options?.parsers) return options;
  const { parsers, ...rest } = options;
  return Object.keys(parsers).every((oid) => oid in textParsers) ? rest : options;
}

/**
 * `client` as drizzle should see it. PGlite merges per-query parsers into a copy of its whole table (some 320
 * entries) for every result, which cost two thirds of a small query's CPU; the client holds drizzle's parsers
 * from the start instead, so the queries need not carry them.
 */
function withoutQueryParsers<T extends PGlite | Transaction>(client: T, traced: QueryTracing): T {
  return new Proxy(client, {
    get(target, prop) {
      if (prop === 'query')
        return (text: string, params?: unknown[], options?: QueryOptions) => instrument(traced, text, target.query(text, params, lean(options)));
      if (prop === 'transaction' && target instanceof PGlite)
        return <R>(fn: (tx: Transaction) => Promise<R>) => target.transaction((tx) => fn(withoutQueryParsers(tx, traced)));
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Where an in-memory cluster starts from: an image, or a file holding one (made there when missing or unusable). */
export type PgliteImage = Blob | { file: string };

/** PGlite adapter: embedded PostgreSQL in WebAssembly, on disk under `<dataDir>/pglite` or in memory. */
export async function openPglite(
  dataDir: string | undefined,
  onWait?: (message: string) => void,
  image?: PgliteImage,
  onImage?: (message: string) => void,
): Promise<DatabaseHandle> {
  const inMemory = dataDir === undefined || dataDir === 'memory';
  if (image && !inMemory) throw new Error(`an image is for in-memory PGlite only, not for the data directory ${dataDir}`);
  const dir = inMemory ? undefined : join(dataDir, 'pglite');
  if (dir) mkdirSync(dir, { recursive: true });
  // One process per data directory: PGlite does not lock it, and a second writer's commits are silently lost.
  const lock = dir ? await lockDataDirWhenFree(dataDir as string, onWait) : undefined;
  let client: PGlite;
  try {
    if (dir) client = new PGlite(dir, { parsers: textParsers });
    else if (image && !(image instanceof Blob)) client = await fromImageFile(image.file, onImage);
    else client = new PGlite({ parsers: textParsers, ...(image ? { loadDataDir: image } : {}) });
    await client.waitReady;
  } catch (error) {
    lock?.release();
    throw error;
  }
  const traced = queryTracing();
  return {
    db: drizzle({ client: withoutQueryParsers(client, traced) }) as unknown as Db,
    kind: 'pglite',
    describe: dir ? `PGlite ${dir}` : 'PGlite (in memory)',
    close: async () => {
      try {
        await client.close();
      } finally {
        lock?.release();
      }
    },
    traceQueries: (tracing) => void (traced.tracing = tracing),
    observeQueries: (observe) => void (traced.observe = observe),
  };
}

/**
 * An in-memory cluster started from the image in `file` (`readPgliteImage`); one PGlite cannot start from (another
 * PGlite version's, a damaged or foreign file) is made again, said through `onImage`.
 */
async function fromImageFile(file: string, onImage?: (message: string) => void): Promise<PGlite> {
  const read = await readPgliteImage(file);
  const client = new PGlite({ parsers: textParsers, loadDataDir: read.image });
  try {
    await client.waitReady;
    return client;
  } catch (error) {
    await client.close().catch(() => undefined);
    if (read.made) throw error;
    onImage?.(`PGlite cannot start from the image ${file} (${(error as Error).message}); making it again`);
  }
  return new PGlite({ parsers: textParsers, loadDataDir: (await readPgliteImage(file, { remake: true })).image });
}

/**
 * The image of a fresh cluster kept in `file`: read, or made (initdb once) and written when the file is missing or
 * `remake` is set. Written under a name of its own and renamed, so processes starting together never read half of one.
 */
export async function readPgliteImage(file: string, options: { remake?: boolean } = {}): Promise<{ image: Blob; made: boolean }> {
  if (!options.remake) {
    try {
      return { image: new Blob([readFileSync(file)]), made: false };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new Error(`cannot read the PGlite image ${file}: ${(error as Error).message}`, { cause: error });
    }
  }
  const image = await createPgliteImage();
  const partial = `${file}.${process.pid}.partial`;
  try {
    writeFileSync(partial, new Uint8Array(await image.arrayBuffer()));
    renameSync(partial, file);
  } catch (error) {
    rmSync(partial, { force: true });
    throw new Error(`cannot write the PGlite image ${file}: ${(error as Error).message}`, { cause: error });
  }
  return { image, made: true };
}

/** See `createPgliteImage` in database.ts. */
export async function createPgliteImage(): Promise<Blob> {
  const client = new PGlite();
  try {
    await client.waitReady;
    // A clean image: what a loaded copy would otherwise replay from the write-ahead log at its start.
    await client.exec('checkpoint');
    return await client.dumpDataDir('none');
  } finally {
    await client.close();
  }
}
