import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { createPgliteImage, openDatabase, type DatabaseHandle } from '../../platform/db/index.ts';

const pgliteDist = dirname(fileURLToPath(import.meta.resolve('@electric-sql/pglite')));
const pgliteVersion = (JSON.parse(readFileSync(join(pgliteDist, '..', 'package.json'), 'utf8')) as { version: string }).version;

/**
 * Where the fresh cluster's image is kept between runs: one per PGlite version, beside the other tools' caches
 * (node_modules/.cache is untracked, and `npm ci` starts it over).
 */
export const pgliteImageFile = resolve(import.meta.dirname, '../../node_modules/.cache/cleave', `pglite-${pgliteVersion}-fresh-cluster.tar`);

let image: Promise<Blob> | undefined;

async function readOrCreate(): Promise<Blob> {
  try {
    return new Blob([readFileSync(pgliteImageFile)]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const created = await createPgliteImage();
  mkdirSync(dirname(pgliteImageFile), { recursive: true });
  // Written under a name of its own, then renamed: test files starting together never read half an image.
  const partial = `${pgliteImageFile}.${process.pid}.partial`;
  writeFileSync(partial, new Uint8Array(await created.arrayBuffer()));
  renameSync(partial, pgliteImageFile);
  return created;
}

/** The image of a new, empty PGlite cluster, made once per PGlite version and read once per process. */
export function freshPgliteImage(): Promise<Blob> {
  image ??= readOrCreate();
  return image;
}

/**
 * A new in-memory PGlite database, as `openDatabase({ dataDir: 'memory' })` opens, started from the fresh cluster's
 * image rather than by initdb: a second instead of four, for every database the suites open.
 */
export async function openTestPglite(): Promise<DatabaseHandle> {
  return openDatabase({ dataDir: 'memory', image: await freshPgliteImage() });
}
